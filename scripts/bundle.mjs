// Bundles the compiled CLI (dist/src/cli/main.js, from tsc) into the one file users run,
// dist/deployctl.js. Node 20's ESM loader resolves, reads and links each of the ~400 modules a
// command loads one by one; as one file the same no-op `plan` starts ~0.15 s sooner (bench/).
// tsc stays the type checker and the tests' build; this only packs its output.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/deployctl.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Loaded on first use by src/engine/defer-unused-deps.ts, from node_modules as before:
  // gRPC/protobuf only serve BuildKit sessions, ssh2 only DOCKER_HOST=ssh:// (and its native
  // cpu-features cannot be bundled).
  external: ['@grpc/grpc-js', '@grpc/proto-loader', 'ssh2', 'cpu-features'],
  // The CommonJS packages inside (dockerode, docker-modem) call require(); give them Node's.
  banner: {
    js: "import { createRequire as __deployctlRequire } from 'node:module';\nconst require = __deployctlRequire(import.meta.url);",
  },
  // Chains tsc's maps: NODE_OPTIONS=--enable-source-maps shows TypeScript lines in stacks.
  sourcemap: 'linked',
  logLevel: 'warning',
});
