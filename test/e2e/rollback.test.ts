/**
 * `deployctl rollback` on the real engine: d1 -> d2 with a new image AND a changed environment
 * value, then rollback puts d1's kept containers back with d1's image id and d1's environment
 * (not the spec's), keeps d2 stopped, and `rollback d2` rolls forward. A rollback killed with -9
 * while it waits on health converges when simply run again; a target that does not become
 * healthy is stopped again while the current generation keeps serving; a pruned target, a
 * target whose image is gone and an unknown id are refused with nothing changed. History and
 * events record it all.
 */
import { execFileSync } from 'node:child_process';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, execText, output, type Stack } from './apply-stack.js';
import { docker, waitFor } from './support/engine.js';

let s: Stack;
let gone = '';

interface Hist {
  live_revision: number | null;
  revisions: {
    number: number;
    kind: string;
    deploy_id: string;
    result: string;
    previous_deploy_id?: string;
    services: { service: string; role: string; container: string; image_id?: string }[];
  }[];
}

beforeAll(async () => {
  s = await createStack('rollback', { appsOnly: true, keep: 2 });
  gone = `deployctl-rb-${s.project}`;
});

afterAll(async () => {
  await s.cleanup();
  await docker
    .getImage(`${gone}:v1`)
    .remove({ force: true })
    .catch(() => undefined);
});

const v2 = { TAG: 'v2', DB_PASSWORD: 'second-password' };

async function imageId(ref: string): Promise<string> {
  return (await docker.getImage(ref).inspect()).Id;
}

async function detail(name: string): Promise<{ image: string; env: string[]; state: string }> {
  const c = await docker.getContainer(name).inspect();
  return { image: c.Image, env: c.Config.Env, state: c.State.Status };
}

async function version(name: string): Promise<string> {
  return (await execText(name, ['wget', '-qO-', 'http://127.0.0.1:8000/version'])).stdout.trim();
}

async function history(): Promise<Hist> {
  const run = await s.cli(['history', '--json']);
  expect(run.code, output(run)).toBe(0);
  return JSON.parse(run.stdout) as Hist;
}

async function events(): Promise<{ event: string; revision: number; container?: string }[]> {
  const run = await s.cli(['events', '--json']);
  expect(run.code, output(run)).toBe(0);
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; revision: number; container?: string });
}

/** Replaces a file in a (stopped) container's own filesystem, as a test-only sabotage. */
async function putFile(container: string, path: string, content: string): Promise<void> {
  await docker
    .getContainer(container)
    .putArchive(await tarOf({ [path.replace(/^\//, '')]: content }), { path: '/' });
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = tar.pack();
  for (const [name, content] of Object.entries(files)) p.entry({ name, mode: 0o755 }, content);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('deployctl rollback', () => {
  it('puts d1 back exactly as it ran (image id AND environment), keeps d2 stopped, and rolls forward', async () => {
    const d1 = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(d1.code, output(d1)).toBe(0);
    const d2 = await s.cli(['apply', '-y', '--deploy-id', 'd2'], { env: v2 });
    expect(d2.code, output(d2)).toBe(0);
    const v1Id = await imageId('deployctl-fixture/app:v1');
    const v2Id = await imageId('deployctl-fixture/app:v2');
    expect((await detail(s.app('backend', 'd2'))).image).toBe(v2Id);

    // Without a terminal and without -y: refused, nothing changed.
    const asked = await s.cli(['rollback'], { env: v2 });
    expect(asked.code, output(asked)).toBe(1);
    expect(asked.stderr).toMatch(/not confirmed.*--yes/);
    expect(await s.stateOf(s.app('backend', 'd2'))).toBe('running');
    expect(await s.stateOf(s.app('backend', 'd1'))).toBe('exited');

    // The spec now says v2 and the second password: the rollback ignores both.
    const back = await s.cli(['rollback', '-y'], { env: v2 });
    expect(back.code, output(back)).toBe(0);
    expect(back.stdout).toMatch(/Rollback of .* to generation d1 \(live now: d2\)/);
    expect(back.stdout).toMatch(/Rollback complete: generation d1 .* is serving again/);
    expect(back.stdout).toMatch(/never touched/);
    for (const svc of ['backend', 'frontend']) {
      const c = await detail(s.app(svc, 'd1'));
      expect(c.state).toBe('running');
      expect(c.image).toBe(v1Id);
      expect(await version(s.app(svc, 'd1'))).toBe('v1');
      expect(await s.stateOf(s.app(svc, 'd2'))).toBe('exited'); // kept, not removed
    }
    const env = (await detail(s.app('backend', 'd1'))).env;
    expect(env).toContain('DATABASE_URL=postgres://shop:e2e-db-password@db/shop');
    expect(env.join('\n')).not.toContain('second-password');
    // The secret of the spec in force is masked in every line printed.
    expect(back.stdout + back.stderr).not.toContain('second-password');

    const h = await history();
    expect(h.revisions[0]).toMatchObject({
      number: 3,
      kind: 'rollback',
      deploy_id: 'd1',
      previous_deploy_id: 'd2',
      result: 'succeeded',
    });
    expect(h.live_revision).toBe(3);
    expect(h.revisions[0]!.services.find((x) => x.service === 'backend')).toMatchObject({
      container: s.app('backend', 'd1'),
      image_id: v1Id,
    });
    const ev = (await events()).filter((e) => e.revision === 3);
    expect(ev[0]?.event).toBe('rollback.started');
    expect(ev.at(-1)?.event).toBe('rollback.succeeded');
    expect(ev.map((e) => `${e.event} ${e.container ?? ''}`)).toEqual(
      expect.arrayContaining([
        `container.ready ${s.app('backend', 'd1')}`,
        `container.terminated ${s.app('backend', 'd2')}`,
      ]),
    );

    // The spec differs from what runs now: plan says so (applying it rolls forward).
    const plan = await s.cli(['plan', '--detailed-exitcode', '--deploy-id', 'd2'], { env: v2 });
    expect(plan.code, output(plan)).toBe(2);
    expect(plan.stdout).toMatch(
      /Generation d1 is live because of a rollback \(revision 3, rollback to d1 from d2\): applying this spec rolls forward to generation d2\./,
    );

    const forward = await s.cli(['rollback', 'd2', '-y']);
    expect(forward.code, output(forward)).toBe(0);
    const b2 = await detail(s.app('backend', 'd2'));
    expect(b2).toMatchObject({ state: 'running', image: v2Id });
    expect(b2.env).toContain('DATABASE_URL=postgres://shop:second-password@db/shop');
    expect(await s.stateOf(s.app('backend', 'd1'))).toBe('exited');
    expect((await history()).revisions[0]).toMatchObject({
      kind: 'rollback',
      deploy_id: 'd2',
      result: 'succeeded',
    });
  });

  it('a rollback killed with -9 while it waits on health converges when run again', async () => {
    const killed = s.start(['rollback', '-y']);
    let progress = '';
    killed.child.stderr?.on('data', (d: string) => (progress += d));
    await waitFor(
      'the rollback to wait on d1',
      () => Promise.resolve(/waiting for \S+_backend_d1/.test(progress) || undefined),
      60_000,
    );
    killed.child.kill('SIGKILL');
    await killed.done;
    expect((await history()).revisions[0]).toMatchObject({
      kind: 'rollback',
      deploy_id: 'd1',
      result: 'interrupted',
    });

    const again = await s.cli(['rollback', '-y']);
    expect(again.code, output(again)).toBe(0);
    for (const svc of ['backend', 'frontend']) {
      expect(await s.stateOf(s.app(svc, 'd1'))).toBe('running');
      expect(await s.stateOf(s.app(svc, 'd2'))).toBe('exited');
    }
    const h = await history();
    expect(h.revisions.slice(0, 2).map((r) => [r.kind, r.deploy_id, r.result])).toEqual([
      ['rollback', 'd1', 'succeeded'],
      ['rollback', 'd1', 'interrupted'],
    ]);
    expect(h.live_revision).toBe(h.revisions[0]!.number);
    const killedRev = h.revisions[1]!.number;
    expect((await events()).filter((e) => e.revision === killedRev).map((e) => e.event)).toContain(
      'rollback.interrupted',
    );
    // Running it once more changes nothing.
    const noop = await s.cli(['rollback', 'd1', '-y']);
    expect(noop.code, output(noop)).toBe(0);
    expect(noop.stdout).toMatch(/Nothing to do/);
  });

  it('a target that does not become healthy is stopped again; the current generation keeps serving', async () => {
    // Sabotage d2's kept backend so it exits at once when started.
    await putFile(s.app('backend', 'd2'), '/entrypoint.sh', '#!/bin/sh\necho sabotaged >&2\nexit 3\n');
    const run = await s.cli(['rollback', 'd2', '-y']);
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toMatch(/exited with code 3/);
    expect(run.stderr).toMatch(/The current generation keeps serving, untouched: .*_backend_d1/);
    for (const svc of ['backend', 'frontend']) {
      expect(await s.stateOf(s.app(svc, 'd1'))).toBe('running');
      expect(await s.stateOf(s.app(svc, 'd2'))).toBe('exited');
    }
    expect(await version(s.app('backend', 'd1'))).toBe('v1');
    const h = await history();
    expect(h.revisions[0]).toMatchObject({ kind: 'rollback', deploy_id: 'd2', result: 'failed' });
    expect(h.revisions.find((r) => r.number === h.live_revision)?.deploy_id).toBe('d1');
  });

  it('refuses a pruned target, a target whose image is gone and an unknown id, with nothing changed', async () => {
    // An image of its own (same layers as v1), so removing it never touches a shared fixture.
    execFileSync('docker', ['build', '-q', '-t', `${gone}:v1`, '-'], {
      input: `FROM deployctl-fixture/app:v1\nLABEL rollback-test=${s.project}\n`,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const g = await s.cli(['apply', '-y', '--deploy-id', 'g1'], { env: { APP_IMAGE: gone, TAG: 'v1' } });
    expect(g.code, output(g)).toBe(0);
    const d3 = await s.cli(['apply', '-y', '--deploy-id', 'd3'], { env: v2 });
    expect(d3.code, output(d3)).toBe(0);
    // keep_generations: 2 beside the live d3: g1 (serving until now) and d2 (created after d1)
    // are kept, d1 was pruned.
    expect(await s.stateOf(s.app('backend', 'd1'))).toBeUndefined();
    expect(await s.stateOf(s.app('backend', 'd2'))).toBe('exited');
    await docker.getImage(`${gone}:v1`).remove({ force: true });
    const before = await s.apps();

    const pruned = await s.cli(['rollback', 'd1', '-y']);
    expect(pruned.code, output(pruned)).toBe(1);
    expect(pruned.stderr).toMatch(/generation d1 was pruned/);
    // g1's image is gone: only d2 is offered.
    expect(pruned.stderr).toMatch(/Deploy ids that can be rolled back to: d2 \(/);
    expect(pruned.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace

    const noImage = await s.cli(['rollback', 'g1', '-y']);
    expect(noImage.code, output(noImage)).toBe(1);
    expect(noImage.stderr).toMatch(/image is gone from the engine/);

    const unknown = await s.cli(['rollback', 'nope', '-y']);
    expect(unknown.code, output(unknown)).toBe(1);
    expect(unknown.stderr).toMatch(/no revision with deploy id nope/);

    expect(await s.apps()).toEqual(before);
    expect((await history()).revisions[0]).toMatchObject({ kind: 'apply', deploy_id: 'd3' });
  });
});
