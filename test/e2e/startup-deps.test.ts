/**
 * What the engine layer loads at start-up, in a fresh node process on the built code: gRPC
 * (BuildKit sessions, never used) and ssh2 (ssh:// only) stay unloaded until something uses
 * them, and then they are the real packages. The ssh:// path itself is proven in cli-errors.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { Module } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deployctl, writeSpec } from './support/cli.js';
import { uniqueProject } from './support/engine.js';

const CONNECT = resolve(import.meta.dirname, '../../dist/src/engine/connect.js');

function inFreshNode(script: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, unknown>;
}

const PRELUDE = `
import { createRequire } from 'node:module';
await import(${JSON.stringify(CONNECT)});
const req = createRequire(${JSON.stringify(CONNECT)});
const files = (part) => Object.keys(req.cache).filter((f) => f.includes(part)).length;
`;

describe('engine start-up', () => {
  it('loads dockerode without gRPC, protobuf or ssh2', () => {
    const r = inFreshNode(`${PRELUDE}
console.log(JSON.stringify({ dockerode: files('/dockerode/'), grpc: files('/@grpc/'), protobuf: files('/protobufjs/'), ssh2: files('/ssh2/') }));`);
    expect(r.dockerode).toBeGreaterThan(5);
    // One cache entry each: the stand-in under the package's own entry file.
    expect(r).toMatchObject({ grpc: 2, protobuf: 0, ssh2: 1 });
  });

  it('gives the real packages to the code that uses them', () => {
    const r = inFreshNode(`${PRELUDE}
const modemRequire = createRequire(req.resolve('docker-modem'));
const ssh2 = modemRequire('ssh2');
const client = new ssh2.Client();
const grpc = createRequire(req.resolve('dockerode'))('@grpc/grpc-js');
console.log(JSON.stringify({
  clientIsReal: client instanceof modemRequire(modemRequire.resolve('ssh2')).Client && typeof client.connect === 'function',
  grpcServer: typeof grpc.Server,
  ssh2: files('/ssh2/') > 5,
}));`);
    expect(r).toEqual({ clientIsReal: true, grpcServer: 'function', ssh2: true });
  });
});

describe('the shipped CLI (dist/deployctl.js)', () => {
  it('plans against the engine without loading gRPC, protobuf or ssh2, and finds its schemas', async () => {
    const project = uniqueProject('startup');
    const spec = await writeSpec(`version: 1
project: ${project}
apps:
  services:
    web:
      image: deployctl-fixture/app:v1
`);
    const dir = await mkdtemp(join(tmpdir(), 'deployctl-startup-'));
    // Preloaded into the CLI's process: lists every CommonJS file it loaded, at exit.
    const preload = join(dir, 'list-loaded.cjs');
    const listing = join(dir, 'loaded.json');
    await writeFile(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(listing)}, JSON.stringify(Object.keys(require.cache))));`,
    );
    const run = await deployctl(['plan', '-f', spec, '--deploy-id', 'd1', '--json'], {
      env: { NODE_OPTIONS: `--require ${preload}` },
    });
    // Nothing on stderr but the line naming the engine.
    expect(run.stderr).toMatch(/^Engine: unix:\/\/\S+, Docker \S+\n$/);
    expect(run.code).toBe(0);
    // The plan came from the engine (the app is missing there) and passed the bundled schema check.
    const plan = JSON.parse(run.stdout) as { actions: { kind: string; name: string }[] };
    expect(plan.actions).toContainEqual(
      expect.objectContaining({ kind: 'create', name: `${project}_web_d1` }),
    );
    const loaded = JSON.parse(await readFile(listing, 'utf8')) as string[];
    // Everything else is inside the bundle. From node_modules only the stand-ins for the packages
    // kept outside it (one entry each, src/engine/defer-unused-deps.ts): the real ones are never loaded.
    const fromNodeModules = loaded.filter((f) => f.includes('/node_modules/'));
    expect(fromNodeModules.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1]).sort()).toEqual([
      '@grpc/grpc-js',
      '@grpc/proto-loader',
      'ssh2',
    ]);
  });
});

describe('the code cache the CLI is built with (src/cli/launch.ts)', () => {
  const DIST = resolve(import.meta.dirname, '../../dist');

  it('is accepted by V8 on this Node, for the bundle beside it', async () => {
    const bundle = join(DIST, 'deployctl.cjs');
    const script = new Script(Module.wrap(await readFile(bundle, 'utf8')), {
      filename: bundle,
      cachedData: await readFile(`${bundle}.cache`),
    });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('is only a speed-up: without it, or with a damaged one, the CLI runs the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deployctl-cache-'));
    await copyFile(join(DIST, 'deployctl.js'), join(dir, 'deployctl.js'));
    await copyFile(join(DIST, 'deployctl.cjs'), join(dir, 'deployctl.cjs'));
    const help = (): string =>
      execFileSync(process.execPath, [join(dir, 'deployctl.js'), 'restore-db', '--help'], {
        encoding: 'utf8',
      });
    const expected = help(); // no cache file at all
    expect(expected).toContain('restore-db <dump>');
    await writeFile(join(dir, 'deployctl.cjs.cache'), randomBytes(4096));
    expect(help()).toBe(expected);
  });
});
