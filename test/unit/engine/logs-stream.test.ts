import { PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { streamLogs } from '../../../src/engine/logs.js';
import { DeployctlError } from '../../../src/errors.js';

/** One multiplexed frame as the engine sends it: type (1 stdout, 2 stderr), size, payload. */
function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** A dockerode stand-in whose container.logs answers `answer` and records its query. */
function dockerAnswering(answer: (q: Record<string, unknown>) => Promise<unknown>): {
  docker: Docker;
  queries: Record<string, unknown>[];
} {
  const queries: Record<string, unknown>[] = [];
  const docker = {
    getContainer: () => ({
      logs: (q: Record<string, unknown>) => {
        queries.push(q);
        return answer(q);
      },
    }),
  } as unknown as Docker;
  return { docker, queries };
}

function sinks(): { stdout: PassThrough; stderr: PassThrough; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

describe('engine streamLogs', () => {
  it('a whole log: frames split to stdout and stderr; tail and since (seconds) passed to the engine', async () => {
    const buf = Buffer.concat([frame(1, 'a\n'), frame(2, 'oops\n'), frame(1, 'b\n')]);
    const { docker, queries } = dockerAnswering(() => Promise.resolve(buf));
    const s = sinks();
    await streamLogs(
      docker,
      'c1',
      { stdout: s.stdout, stderr: s.stderr, tail: 5, since: 1_700_000_000_999 },
      'unix:///x',
    );
    expect([s.out(), s.err()]).toEqual(['a\nb\n', 'oops\n']);
    expect(queries).toEqual([{ stdout: true, stderr: true, tail: 5, since: 1_700_000_000, follow: false }]);
  });

  it('a TTY container: one raw stream, all to stdout', async () => {
    const { docker } = dockerAnswering(() => Promise.resolve(Buffer.from('\u001b[1mraw\u001b[0m line\n')));
    const s = sinks();
    await streamLogs(docker, 'c1', { stdout: s.stdout, stderr: s.stderr, tty: true }, 'unix:///x');
    expect([s.out(), s.err()]).toEqual(['\u001b[1mraw\u001b[0m line\n', '']);
  });

  it('follow: frames split across chunks are demultiplexed; the stream ending ends the call', async () => {
    const bytes = Buffer.concat([frame(1, 'first\n'), frame(2, 'second\n'), frame(1, 'third\n')]);
    const chunks = [bytes.subarray(0, 3), bytes.subarray(3, 17), bytes.subarray(17)];
    const { docker } = dockerAnswering(() => Promise.resolve(Readable.from(chunks)));
    const s = sinks();
    await streamLogs(docker, 'c1', { stdout: s.stdout, stderr: s.stderr, follow: true }, 'unix:///x');
    expect([s.out(), s.err()]).toEqual(['first\nthird\n', 'second\n']);
  });

  it('follow: aborting (Ctrl+C) ends it quietly', async () => {
    const source = new PassThrough();
    const { docker } = dockerAnswering(() => Promise.resolve(source));
    const s = sinks();
    const stop = new AbortController();
    const done = streamLogs(
      docker,
      'c1',
      { stdout: s.stdout, stderr: s.stderr, follow: true, signal: stop.signal },
      'unix:///x',
    );
    source.write(frame(1, 'before\n'));
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await done;
    expect(s.out()).toBe('before\n');
  });

  it('follow: a dropped connection is an engine error, not a silent end or a hang', async () => {
    const source = new PassThrough();
    const { docker } = dockerAnswering(() => Promise.resolve(source));
    const s = sinks();
    const done = streamLogs(docker, 'c1', { stdout: s.stdout, stderr: s.stderr, follow: true }, 'unix:///x');
    source.write(frame(1, 'before\n'));
    await new Promise((r) => setTimeout(r, 20));
    source.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployctlError);
    expect(s.out()).toBe('before\n');
  });

  it('an engine failure is a DeployctlError naming the container', async () => {
    const { docker } = dockerAnswering(() =>
      Promise.reject(Object.assign(new Error('(HTTP code 404) no such container'), { statusCode: 404 })),
    );
    const s = sinks();
    const err = await streamLogs(docker, 'c1', { stdout: s.stdout, stderr: s.stderr }, 'unix:///x').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeployctlError);
    expect((err as DeployctlError).message).toContain('read the logs of container c1');
  });
});
