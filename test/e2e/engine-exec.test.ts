/**
 * Engine.exec against the real engine: exit codes, collected and streamed output, stderr tail,
 * stdin streaming with flat memory, a process that stops reading stdin early, and abort.
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import { isEngineError } from '../../src/engine/engine-error.js';
import type { Engine } from '../../src/engine/port.js';
import { cleanupProject, docker, e2eLabels, uniqueProject } from './support/engine.js';

const project = uniqueProject('exec');
const engine: Engine = connectEngine(process.env);
const MiB = 1024 * 1024;
let box = '';

/**
 * A full GC on demand. V8 lets up to ~64 MiB of dead Buffers pile up before it collects, so
 * without it RSS measures the collector's laziness (the test's own garbage), not what the code
 * under test retains; collecting before each sample makes a buffering bug stand out (a
 * retained 64 MiB shows as ~70 MiB growth, streaming as a few MiB).
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Deterministic pseudo-random bytes (xorshift), hashed as they are produced. */
interface Payload {
  stream: Readable;
  sha256: () => string;
  head: () => Buffer;
  sent: () => number;
}

function payload(totalBytes: number, chunkBytes = 16 * 1024): Payload {
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let sent = 0;
  let x = 0x9e3779b9;
  const stream = new Readable({
    read() {
      if (sent >= totalBytes) {
        this.push(null);
        return;
      }
      const n = Math.min(chunkBytes, totalBytes - sent);
      const buf = Buffer.allocUnsafe(n);
      for (let i = 0; i + 4 <= n; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        buf.writeUInt32LE(x >>> 0, i);
      }
      hash.update(buf);
      if (sent === 0) head = Buffer.from(buf.subarray(0, 64));
      sent += n;
      this.push(buf);
    },
  });
  return { stream, sha256: () => hash.digest('hex'), head: () => head, sent: () => sent };
}

/** A consumer that hashes what it gets; `delayMs` makes it slower than the producer. */
function hashingSink(delayMs: number): { sink: Writable; sha256: () => string; bytes: () => number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      if (delayMs > 0) setTimeout(done, delayMs);
      else done();
    },
  });
  return { sink, sha256: () => hash.digest('hex'), bytes: () => bytes };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('expected a rejection'),
    (err: unknown) => err,
  );
}

beforeAll(async () => {
  box = await engine.createContainer({
    name: `${project}_box`,
    image: 'deployctl-fixture/app:v1',
    env: {},
    labels: e2eLabels(project),
    ports: [],
    mounts: [],
    networks: [],
  });
  await engine.startContainer(box);
});

afterAll(async () => {
  await cleanupProject(project);
});

describe('exec', () => {
  it('returns the exit code, collected stdout and the stderr tail', async () => {
    const res = await engine.exec(box, ['sh', '-c', 'echo hello; echo "to $WHO" >&2; exit 7'], {
      env: { WHO: 'stderr' },
    });
    expect(res).toEqual({ exitCode: 7, stdout: 'hello\n', stderr: 'to stderr\n' });
  });

  it('runs as the given user', async () => {
    const res = await engine.exec(box, ['id', '-u'], { user: '1234' });
    expect(res.stdout.trim()).toBe('1234');
  });

  it('keeps only the last 64 KiB of a long stderr', async () => {
    // ~300 KiB of numbered lines on stderr, then a final marker.
    const script =
      'i=0; while [ $i -lt 20000 ]; do echo "line $i of stderr" >&2; i=$((i+1)); done; echo THE-END >&2';
    const res = await engine.exec(box, ['sh', '-c', script]);
    expect(res.exitCode).toBe(0);
    expect(Buffer.byteLength(res.stderr)).toBe(64 * 1024);
    expect(res.stderr.endsWith('line 19999 of stderr\nTHE-END\n')).toBe(true);
  });

  it('streams 64 MiB stdin -> cat -> stdout with equal sha256 and flat memory, even to a slow consumer', async () => {
    const size = 64 * MiB;
    const input = payload(size);
    const output = hashingSink(1);
    gc();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    // Bytes produced but not yet consumed: without backpressure this grows towards the payload size.
    let inFlight = 0;
    const sample = (): void => {
      inFlight = Math.max(inFlight, input.sent() - output.bytes());
      gc();
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const sampler = setInterval(sample, 200);
    const started = Date.now();
    const res = await engine
      .exec(box, ['cat'], { stdin: input.stream, stdout: output.sink })
      .finally(() => clearInterval(sampler));
    const seconds = (Date.now() - started) / 1000;
    sample();
    console.log(
      `exec stream (slow consumer): ${size / MiB} MiB in ${seconds.toFixed(2)} s, RSS growth ${((peak - baseline) / MiB).toFixed(1)} MiB, max in flight ${(inFlight / MiB).toFixed(1)} MiB`,
    );

    expect(res).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(output.bytes()).toBe(size);
    expect(output.sha256()).toBe(input.sha256());
    expect(output.sink.writableFinished).toBe(true);
    expect(inFlight).toBeLessThan(16 * MiB);
    expect(peak - baseline).toBeLessThan(40 * MiB);
  });

  it('streams at full speed to a fast consumer', async () => {
    const size = 64 * MiB;
    const input = payload(size);
    const output = hashingSink(0);
    const started = Date.now();
    const res = await engine.exec(box, ['cat'], { stdin: input.stream, stdout: output.sink });
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `exec stream (fast consumer): ${size / MiB} MiB in ${seconds.toFixed(2)} s = ${(size / MiB / seconds).toFixed(0)} MiB/s`,
    );
    expect(res.exitCode).toBe(0);
    expect(output.sha256()).toBe(input.sha256());
  });

  it('copes with a process that closes stdin early (head -c 10)', async () => {
    const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap').length;
    const before = sockets();
    const input = payload(8 * MiB);
    const got: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        got.push(chunk);
        done();
      },
    });
    const res = await engine.exec(box, ['head', '-c', '10'], { stdin: input.stream, stdout: sink });
    expect(res.exitCode).toBe(0);
    expect(Buffer.concat(got)).toEqual(input.head().subarray(0, 10));
    // head exits while we are still sending: the rest of the input is dropped, not left open.
    expect(input.stream.destroyed || input.stream.readableEnded).toBe(true);
    // And the connection carrying it is closed: the engine may hold it open for many seconds
    // with our unsent input queued, which kept `deployctl restore-db` from exiting.
    const deadline = Date.now() + 2_000;
    while (sockets() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sockets()).toBeLessThanOrEqual(before);
  });

  it('reports a missing container as not_found and a stopped one as a conflict', async () => {
    const missing = await rejection(engine.exec(`${project}_missing`, ['true']));
    expect(isEngineError(missing, 'not_found')).toBe(true);
    expect((missing as Error).message).toContain(`run true in container ${project}_missing`);

    const stopped = await engine.createContainer({
      name: `${project}_stopped`,
      image: 'deployctl-fixture/app:v1',
      env: {},
      labels: e2eLabels(project),
      ports: [],
      mounts: [],
      networks: [],
    });
    const err = await rejection(engine.exec(stopped, ['true']));
    expect(isEngineError(err, 'conflict')).toBe(true);
  });

  it('stops waiting on abort without killing the process', async () => {
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 300);
    const started = Date.now();
    const err = await rejection(
      engine.exec(box, ['sh', '-c', 'sleep 5; echo done > /tmp/after-abort'], { signal: ctrl.signal }),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'INTERRUPTED' });
    const info = await docker.getContainer(box).inspect();
    expect(info.State.Running).toBe(true);
    const ps = await engine.exec(box, ['ps']);
    expect(ps.stdout).toContain('sleep 5');
  });
});
