/**
 * A small HTTP load client for traffic tests and the traffic bench: a few workers on keep-alive
 * connections and a few opening a fresh connection per request, all to one loopback address,
 * paced to a target rate and bounded in count and time. Every request is recorded (start, end,
 * status, body or error), so a test can say which generation answered when, and count every
 * failure: non-2xx, connection errors, resets and timeouts alike. Nothing is retried.
 */
import { Agent, get as httpGet, request } from 'node:http';

export interface LoopOptions {
  port: number;
  /** Host headers to cycle through (one route each); the path is always `path`. */
  hosts: string[];
  path?: string;
  /** Workers on shared keep-alive connections, and workers opening a connection per request. */
  keepAliveWorkers?: number;
  freshWorkers?: number;
  /** Target requests per second over all workers. */
  rate?: number;
  /** Hard bounds: the loop stops at whichever comes first (or at stop()). */
  maxRequests?: number;
  maxMs?: number;
  /** Per-request timeout: a slower answer counts as a failure. */
  timeoutMs?: number;
}

export interface Sample {
  host: string;
  keepAlive: boolean;
  /** epoch ms */
  start: number;
  end: number;
  status?: number;
  body?: string;
  error?: string;
}

export interface LoopHandle {
  /** Stops issuing requests and resolves with every sample once in-flight ones end. */
  stop(): Promise<Sample[]>;
  /** Samples so far. */
  readonly samples: Sample[];
  done: Promise<Sample[]>;
}

export function startRequestLoop(opts: LoopOptions): LoopHandle {
  const keepAliveWorkers = opts.keepAliveWorkers ?? 4;
  const freshWorkers = opts.freshWorkers ?? 2;
  const workers = keepAliveWorkers + freshWorkers;
  const rate = opts.rate ?? 200;
  const maxRequests = opts.maxRequests ?? 50_000;
  const deadline = Date.now() + (opts.maxMs ?? 120_000);
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const path = opts.path ?? '/version';
  const agent = new Agent({ keepAlive: true, maxSockets: keepAliveWorkers });
  const samples: Sample[] = [];
  let issued = 0;
  let stopped = false;
  // Each worker sends one request at a time, spaced so all together make `rate` per second.
  const gapMs = (workers * 1000) / rate;

  const one = (host: string, keepAlive: boolean): Promise<void> =>
    new Promise((resolve) => {
      const sample: Sample = { host, keepAlive, start: Date.now(), end: 0 };
      samples.push(sample);
      const finish = (fields: Partial<Sample>): void => {
        if (sample.end !== 0) return;
        Object.assign(sample, fields, { end: Date.now() });
        resolve();
      };
      const req = request(
        {
          host: '127.0.0.1',
          port: opts.port,
          path,
          headers: { host },
          agent: keepAlive ? agent : false,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => finish({ status: res.statusCode, body: body.trim() }));
          res.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
      req.end();
    });

  const worker = async (index: number, keepAlive: boolean): Promise<void> => {
    let next = Date.now() + (gapMs * index) / workers;
    while (!stopped && issued < maxRequests && Date.now() < deadline) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopped) break;
      const host = opts.hosts[issued % opts.hosts.length] ?? 'localhost';
      issued += 1;
      await one(host, keepAlive);
      next += gapMs;
    }
  };

  const all = [
    ...Array.from({ length: keepAliveWorkers }, (_, i) => worker(i, true)),
    ...Array.from({ length: freshWorkers }, (_, i) => worker(keepAliveWorkers + i, false)),
  ];
  const done = Promise.all(all).then(() => {
    agent.destroy();
    return samples;
  });
  return {
    samples,
    done,
    stop: () => {
      stopped = true;
      return done;
    },
  };
}

/** A failure is anything but a 2xx answer: error statuses, connection errors, resets, timeouts. */
export function isFailure(s: Sample): boolean {
  return s.error !== undefined || s.status === undefined || s.status < 200 || s.status > 299;
}

/** "3 × ECONNRESET, 1 × 502" for assertion messages and the bench. */
export function describeFailures(samples: Sample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples.filter(isFailure)) {
    const key = s.error ?? String(s.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} × ${k}`).join(', ') || 'none';
}

/** The p-th percentile (0..100) of latencies in ms. */
export function percentile(samples: Sample[], p: number): number {
  const sorted = samples.map((s) => s.end - s.start).sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

/**
 * One GET through the proxy on 127.0.0.1:`port` with a Host header (fetch() may not set Host),
 * on a fresh connection: `STATUS BODY`, e.g. `200 v1`.
 */
export function getThrough(port: number, host: string, path = '/version'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(`${res.statusCode} ${body.trim()}`));
    });
    req.on('error', reject);
  });
}
