import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DeployctlError } from '../../../src/errors.js';
import { findLogTarget, streamServiceLogs, type LogsOptions } from '../../../src/logs/logs.js';
import { app, DB, Harness, shopSpec } from '../apply/harness.js';

function sinks(): { stdout: PassThrough; stderr: PassThrough; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

async function deployed(): Promise<{ h: Harness; spec: ReturnType<typeof shopSpec> }> {
  const h = new Harness();
  const spec = shopSpec();
  await h.deploy(spec, 'd1');
  await h.deploy(spec, 'd2');
  return { h, spec };
}

/** Waits until the fake engine has been asked for `n` log streams in all. */
async function streaming(h: Harness, n: number): Promise<void> {
  while (h.engine.callsOf('streamLogs').length < n) await new Promise((r) => setTimeout(r, 1));
}

/** `logs SERVICE -f` started on the fake engine, once its stream is open (the `n`th in all). */
async function follow(
  h: Harness,
  spec: ReturnType<typeof shopSpec>,
  service: string,
  opts: { n?: number; signal?: AbortSignal } = {},
): Promise<{ target: Awaited<ReturnType<typeof findLogTarget>>; said: Promise<string | undefined> }> {
  const target = await findLogTarget(h.engine, spec, service);
  const s = sinks();
  const said = streamServiceLogs(h.engine, spec, target, {
    stdout: s.stdout,
    stderr: s.stderr,
    follow: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  await streaming(h, opts.n ?? 1);
  return { target, said };
}

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

describe('logs on the fake engine', () => {
  it('an app service: the live generation container; stdout and stderr apart; --tail and --since', async () => {
    const { h, spec } = await deployed();
    const mark = h.mark();
    const target = await findLogTarget(h.engine, spec, 'backend');
    expect(target).toMatchObject({ service: 'backend', role: 'app', generation: 'd2' });
    expect(target.container.name).toBe(app('backend', 'd2'));
    h.engine.addLogLines(app('backend', 'd2'), [
      { stream: 'stdout', text: 'one', at: T0 },
      { stream: 'stderr', text: 'warn two', at: T0 + 1000 },
      { stream: 'stdout', text: 'three', at: T0 + 2000 },
    ]);
    h.engine.addLogLines(app('backend', 'd1'), [{ stream: 'stdout', text: 'old generation', at: T0 }]);

    const all = sinks();
    const opts = (o: Partial<LogsOptions>): LogsOptions => ({
      stdout: all.stdout,
      stderr: all.stderr,
      follow: false,
      ...o,
    });
    expect(await streamServiceLogs(h.engine, spec, target, opts({}))).toBeUndefined();
    expect(all.out()).toBe('one\nthree\n');
    expect(all.err()).toBe('warn two\n');

    const tail = sinks();
    await streamServiceLogs(h.engine, spec, target, {
      stdout: tail.stdout,
      stderr: tail.stderr,
      follow: false,
      tail: 1,
    });
    expect([tail.out(), tail.err()]).toEqual(['three\n', '']);

    const since = sinks();
    await streamServiceLogs(h.engine, spec, target, {
      stdout: since.stdout,
      stderr: since.stderr,
      follow: false,
      since: T0 + 1000,
    });
    expect([since.out(), since.err()]).toEqual(['three\n', 'warn two\n']);
    expect(h.mutationsSince(mark)).toEqual([]);
  });

  it('a container removed between the lookup and the read: says so instead of failing', async () => {
    const { h, spec } = await deployed();
    const target = await findLogTarget(h.engine, spec, 'backend');
    await h.deploy(spec, 'd3');
    await h.engine.removeContainer(target.container.id, { force: true });
    const s = sinks();
    const said = await streamServiceLogs(h.engine, spec, target, {
      stdout: s.stdout,
      stderr: s.stderr,
      follow: false,
    });
    expect(said).toContain(
      `${app('backend', 'd2')} was removed: it was replaced by a deploy, the live generation is now d3`,
    );
  });

  it('an infra service: its container by name', async () => {
    const { h, spec } = await deployed();
    const target = await findLogTarget(h.engine, spec, 'db');
    expect(target).toMatchObject({ service: 'db', role: 'infra' });
    expect(target.container.name).toBe(DB);
  });

  it('an unknown service: BAD_ARGUMENT listing the services; a service without a container: NO_CONTAINER', async () => {
    const { h, spec } = await deployed();
    const err = await findLogTarget(h.engine, spec, 'nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployctlError);
    expect((err as DeployctlError).code).toBe('BAD_ARGUMENT');
    expect((err as DeployctlError).exitCode).toBe(1);
    expect((err as DeployctlError).message).toContain('Services: db, backend, frontend.');

    const fresh = new Harness();
    const none = await findLogTarget(fresh.engine, spec, 'backend').catch((e: unknown) => e);
    expect((none as DeployctlError).code).toBe('NO_CONTAINER');
    expect((none as DeployctlError).message).toContain('`deployctl apply` deploys one');
    const noDb = await findLogTarget(fresh.engine, spec, 'db').catch((e: unknown) => e);
    expect((noDb as DeployctlError).message).toContain(`${DB} does not exist`);
  });

  it('-f: ends when a deploy replaces the container, saying which generation is live now', async () => {
    const { h, spec } = await deployed();
    const following = await follow(h, spec, 'backend');
    await h.deploy(spec, 'd3');
    const said = await following.said;
    expect(said).toBe(
      `${app('backend', 'd2')} stopped (exited, exit code 0): it was replaced by a deploy, the live generation is now d3 (${app('backend', 'd3')}). Follow it with \`deployctl logs backend -f\`.`,
    );
  });

  it('-f: a removed container with no newer generation, and Ctrl+C (abort) which says nothing', async () => {
    const { h, spec } = await deployed();
    const { target, said } = await follow(h, spec, 'frontend');
    await h.engine.removeContainer(target.container.id, { force: true });
    expect(await said).toBe(
      `${app('frontend', 'd2')} was removed, and no newer generation of shop runs; the log ended there. \`deployctl status\` says more.`,
    );

    const stop = new AbortController();
    const aborted = await follow(h, spec, 'backend', { n: 2, signal: stop.signal });
    stop.abort();
    expect(await aborted.said).toBeUndefined();
  });

  it('-f on infra: a stopped db says so and how to start it', async () => {
    const { h, spec } = await deployed();
    const { target, said: following } = await follow(h, spec, 'db');
    await h.engine.stopContainer(target.container.id, 1000);
    const said = await following;
    expect(said).toContain(`${DB} stopped (exited, exit code 0); the log ended there.`);
    expect(said).toContain('`deployctl apply` starts it');
  });
});
