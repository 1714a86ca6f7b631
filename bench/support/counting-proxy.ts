/**
 * A unix-socket proxy in front of the Docker engine that counts the API requests passing
 * through it: point a client at it with `DOCKER_HOST=unix://<socketPath>` and read `requests`.
 * Bytes are forwarded untouched in both directions (half-closes included, which hijacked
 * attach/exec streams rely on); only the client→engine direction is parsed, see
 * request-framer.ts. Lets the benchmark count deployctl's engine calls without changing it.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestFramer, type SeenRequest } from './request-framer.js';

export interface CountingProxy {
  socketPath: string;
  /** `unix://…`, for DOCKER_HOST. */
  dockerHost: string;
  /** Requests seen since the last reset, in arrival order. */
  readonly requests: SeenRequest[];
  /** performance.now() of the last byte the engine sent back (0 when none since reset). */
  readonly lastResponseAt: number;
  /** Connections opened since the last reset. */
  readonly connections: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(upstreamPath = '/var/run/docker.sock'): Promise<CountingProxy> {
  const socketPath = join(tmpdir(), `deployctl-bench-${randomBytes(4).toString('hex')}.sock`);
  let requests: SeenRequest[] = [];
  let lastResponseAt = 0;
  let connections = 0;
  const open = new Set<Socket>();

  const server = createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    const upstream = createConnection({ path: upstreamPath, allowHalfOpen: true });
    open.add(client).add(upstream);
    const framer = new RequestFramer((r) => requests.push(r));
    client.on('data', (chunk: Buffer) => framer.feed(chunk));
    upstream.on('data', () => (lastResponseAt = performance.now()));
    // pipe() forwards end() as a half-close; allowHalfOpen keeps the other direction flowing.
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', () => {
      open.delete(client);
      upstream.end();
    });
    upstream.on('close', () => {
      open.delete(upstream);
      client.end();
    });
  });
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });

  return {
    socketPath,
    dockerHost: `unix://${socketPath}`,
    get requests() {
      return requests;
    },
    get lastResponseAt() {
      return lastResponseAt;
    },
    get connections() {
      return connections;
    },
    reset() {
      requests = [];
      lastResponseAt = 0;
      connections = 0;
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}

/** `GET /containers/json ×3`-style lines, in first-seen order, API version prefix dropped. */
export function endpointList(requests: SeenRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const key = `${r.method} ${r.path.replace(/^\/v\d+\.\d+\//, '/')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
}

/**
 * Sends 5 known requests through the proxy on ONE keep-alive connection (GETs, a chunked and a
 * Content-Length body; harmless calls on a container that does not exist) and checks they
 * were counted as 5 on 1 connection, so a wrong count cannot pass unnoticed.
 */
export async function selfCheck(proxy: CountingProxy): Promise<string> {
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string, path: string, body?: string, chunked = false) =>
    new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (body !== undefined && !chunked) headers['Content-Length'] = String(Buffer.byteLength(body));
      const req = request({ socketPath: proxy.socketPath, method, path, agent, headers }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      if (body !== undefined && chunked) {
        req.write(body.slice(0, 2));
        req.write(body.slice(2));
      } else if (body !== undefined) req.write(body);
      req.end();
    });
  proxy.reset();
  const ghost = `/containers/deployctl-bench-no-such-container-${process.pid}`;
  await send('GET', '/_ping');
  await send('GET', '/version');
  await send('POST', `${ghost}/stop?t=1`, '{"a":1}', true);
  await send('POST', `${ghost}/rename?name=x`, '{"b":2}');
  await send('GET', `${ghost}/json`);
  agent.destroy();
  const seen = proxy.requests.length;
  const conns = proxy.connections;
  proxy.reset();
  if (seen !== 5 || conns !== 1) {
    throw new Error(
      `counting proxy self-check failed: saw ${seen} requests on ${conns} connections, expected 5 on 1`,
    );
  }
  return 'counted 5/5 known requests on 1 keep-alive connection (chunked and sized bodies)';
}
