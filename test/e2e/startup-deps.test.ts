/**
 * What the engine layer loads at start-up, in a fresh node process on the built code: gRPC
 * (BuildKit sessions, never used) and ssh2 (ssh:// only) stay unloaded until something uses
 * them, and then they are the real packages. The ssh:// path itself is proven in cli-errors.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

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
