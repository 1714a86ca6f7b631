#!/usr/bin/env node
/**
 * The `deployctl` executable. It runs the CLI bundle beside it (deployctl.cjs, see
 * scripts/bundle.mjs) from the V8 code cache built with it (deployctl.cjs.cache), so a command
 * skips compiling most of ~2 MB of JavaScript: ~0.05-0.09 s of every run on a small host. A
 * cache V8 does not accept (another Node version, a damaged file) is ignored by V8 itself and
 * the bundle compiles as usual; no cache at all works the same way. Nothing is written at run
 * time, except that DEPLOYCTL_CODE_CACHE_OUT=<file> writes this run's cache there at exit (the
 * build does that once, after a `validate`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const dir = dirname(fileURLToPath(import.meta.url));
const bundle = join(dir, 'deployctl.cjs');

function readCache(): Buffer | undefined {
  try {
    return readFileSync(`${bundle}.cache`);
  } catch {
    return undefined; // not built: compile as usual
  }
}

const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), {
  filename: bundle,
  cachedData: readCache(),
});
const cacheOut = process.env.DEPLOYCTL_CODE_CACHE_OUT;
// At exit, so the functions the run compiled on first use are in it too.
if (cacheOut) process.once('exit', () => writeFileSync(cacheOut, script.createCachedData()));

// What Node's own CommonJS loader gives a module: the bundle requires node:* and the packages
// kept outside it from node_modules, resolved from its own path.
const mod = new Module(bundle);
mod.filename = bundle;
mod.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(dir);
const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
wrapper.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, dir);
