import type { AddressInfo, Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectEngine } from '../../../src/engine/connect.js';
import { isEngineError } from '../../../src/engine/engine-error.js';

describe('connectEngine', () => {
  it('names the endpoint it will try', () => {
    expect(connectEngine({}).endpoint).toBe('unix:///var/run/docker.sock');
    expect(connectEngine({ DOCKER_HOST: 'tcp://10.1.2.3:2375' }).endpoint).toBe('tcp://10.1.2.3:2375');
  });

  it('turns a bad DOCKER_HOST into an unreachable engine whose calls all explain it', async () => {
    const engine = connectEngine({ DOCKER_HOST: 'http://oops:2375' });
    expect(engine.endpoint).toBe('http://oops:2375');
    const err = await engine.ping().catch((e: unknown) => e);
    expect(isEngineError(err, 'unreachable')).toBe(true);
    expect((err as Error).message).toBe(
      'Cannot reach the Docker engine at http://oops:2375: DOCKER_HOST=http://oops:2375 has an unsupported scheme "http://" (supported: unix://, tcp://, ssh://). Set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:port or ssh://user@host, or unset it to use the local engine. Nothing was changed.',
    );
    await expect(engine.listVolumes()).rejects.toBe(err);
    // Not a thenable: awaiting the engine itself must not hang or reject.
    expect(await Promise.resolve(engine)).toBe(engine);
  });

  it('fails ping within the timeout when something accepts the connection but never answers', async () => {
    // A loopback server that takes the connection and stays silent: a hung engine.
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      const err = await connectEngine({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }, { timeoutMs: 300 })
        .ping()
        .catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(isEngineError(err, 'unreachable')).toBe(true);
      expect((err as Error).message).toMatch(
        new RegExp(
          `^Cannot reach the Docker engine at tcp://127.0.0.1:${port}: it did not answer within 0.3 s\\. .*firewall.*Nothing was changed\\.$`,
        ),
      );
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => server.close(r));
    }
  });

  it('says so when what answers is not a Docker engine', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const err = await connectEngine({ DOCKER_HOST: `tcp://127.0.0.1:${port}` })
        .ping()
        .catch((e: unknown) => e);
      expect(isEngineError(err, 'unreachable')).toBe(true);
      expect((err as Error).message).toContain(
        `at tcp://127.0.0.1:${port}: something answered but not as a Docker engine (HTTP 404)`,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
