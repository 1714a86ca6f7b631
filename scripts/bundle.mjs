// Packs the compiled CLI (dist/src, from tsc) into what users run:
//   dist/deployctl.cjs        the whole CLI as one file. Node 20's ESM loader resolves, reads and
//                             links each of the ~400 modules a command loads one by one; as one
//                             file the same no-op `plan` starts ~0.15 s sooner (bench/).
//   dist/deployctl.js         the executable (src/cli/launch.ts): runs deployctl.cjs from
//   dist/deployctl.cjs.cache  V8's code cache, made here by one `validate` run, so a command does
//                             not compile most of the bundle again (~0.05-0.09 s per run).
// The bundle is CommonJS because Node 20 can give V8 a code cache only for a script (vm.Script).
// tsc stays the type checker and the tests' build; this only packs its output.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const CACHE = 'dist/deployctl.cjs.cache';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/deployctl.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Loaded on first use by src/engine/defer-unused-deps.ts, from node_modules as before:
  // gRPC/protobuf only serve BuildKit sessions, ssh2 only DOCKER_HOST=ssh:// (and its native
  // cpu-features cannot be bundled).
  external: ['@grpc/grpc-js', '@grpc/proto-loader', 'ssh2', 'cpu-features'],
  // The sources are ES modules: their import.meta.url (finding schemas/, resolving the packages
  // kept outside) is the bundle's own file URL.
  define: { 'import.meta.url': '__deployctl_url' },
  banner: { js: 'var __deployctl_url = require("node:url").pathToFileURL(__filename).href;' },
  // Chains tsc's maps: NODE_OPTIONS=--enable-source-maps shows TypeScript lines in stacks.
  sourcemap: 'linked',
  logLevel: 'warning',
});

// A script run through vm.Script has no module loader behind import(): esbuild turns the
// imports of bundled modules into plain calls, but one of a node:* built-in would stay and fail
// at run time. Import built-ins statically.
const dynamic = /[^\w$.]import\((['"])node:[^'"]+\1\)/.exec(readFileSync('dist/deployctl.cjs', 'utf8'));
if (dynamic) {
  console.error(`bundle: dist/deployctl.cjs still has ${dynamic[0]}; import it statically instead.`);
  process.exit(1);
}

await build({
  entryPoints: ['dist/src/cli/launch.js'],
  outfile: 'dist/deployctl.js',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
});

// The cache holds what V8 compiled for this run: the bundle's top level, the command line, and
// loading and validating a spec (~0.8 MB). A stale one would only be rejected; remove it first
// so a failed run leaves none rather than an old one.
rmSync(CACHE, { force: true });
const warm = spawnSync(
  process.execPath,
  ['dist/deployctl.js', 'validate', '-f', 'examples/sancho/deployctl.yaml'],
  { env: { ...process.env, DEPLOYCTL_CODE_CACHE_OUT: CACHE }, encoding: 'utf8' },
);
if (warm.status !== 0) {
  rmSync(CACHE, { force: true });
  console.warn(
    `bundle: no code cache (the warm-up run exited ${warm.status}: ${warm.stderr.trim()}); deployctl works without it, ~0.05-0.09 s slower to start.`,
  );
}
