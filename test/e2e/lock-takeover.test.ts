/**
 * The project lock after a crash, on the real engine: a run killed with SIGKILL leaves its lock
 * container behind, and the next apply or nightly backup takes it over by itself, saying so in
 * one line; a live holder still gives exit 3 and `unlock` refuses it without --force; a lock of
 * a "remote" holder whose lease never moves is taken over after the TTL. TTL and renewal are
 * shortened through the environment, as documented, so this runs in seconds.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKER_IMAGE } from '../../src/engine/marker-image.js';
import { createStack, output, type Stack } from './apply-stack.js';
import { docker, e2eLabels, waitFor } from './support/engine.js';

const LEASE_ENV = { DEPLOYCTL_LOCK_TTL: '3s', DEPLOYCTL_LOCK_RENEW: '1s' };

let s: Stack;
let lock: string;

const lockId = async (): Promise<string | undefined> =>
  docker
    .getContainer(lock)
    .inspect()
    .then(
      (c) => c.Id,
      () => undefined,
    );
const lockExists = async (): Promise<boolean> => (await lockId()) !== undefined;

/** Starts `apply` and kills it with SIGKILL once its new backend container runs. */
async function killedApply(deployId: string, env: Record<string, string>): Promise<number> {
  const run = s.start(['apply', '-y', '--deploy-id', deployId], { env: { ...LEASE_ENV, ...env } });
  await waitFor('the apply to take the lock', lockExists, 30_000, 50);
  await waitFor(
    `the apply to start ${s.app('backend', deployId)}`,
    async () => (await s.stateOf(s.app('backend', deployId))) === 'running',
    60_000,
    50,
  );
  run.child.kill('SIGKILL');
  expect((await run.done).code).toBeNull();
  expect(await lockExists()).toBe(true);
  return run.child.pid!;
}

const takeOverLines = (stderr: string): string[] =>
  stderr.split('\n').filter((l) => l.includes('took over the lock'));

beforeAll(async () => {
  s = await createStack('lease');
  lock = `${s.project}.deployctl-lock`;
  const first = await s.cli(['apply', '-y', '--deploy-id', 'g1'], { env: LEASE_ENV });
  expect(first.code, output(first)).toBe(0);
});

afterAll(async () => {
  if (s) await s.cleanup();
});

describe('a run killed with SIGKILL', () => {
  it('the same apply again exits 0, saying in one line that it took over the dead run’s lock', async () => {
    const pid = await killedApply('g2', { TAG: 'v2' });
    const again = await s.cli(['apply', '-y', '--deploy-id', 'g2'], { env: { ...LEASE_ENV, TAG: 'v2' } });
    expect(again.code, output(again)).toBe(0);
    const lines = takeOverLines(again.stderr);
    expect(lines, again.stderr).toHaveLength(1);
    expect(lines[0]).toContain(
      `took over the lock of project ${s.project} from a dead run, deployctl apply on host ${hostname()}, pid ${pid}, deploy id g2`,
    );
    expect(lines[0]).toContain(`its process ${pid} no longer runs on this host`);
    expect(again.stdout).toContain('Apply complete: generation g2');
    const apps = await s.apps();
    expect(apps[s.app('backend', 'g2')]).toBe('running');
    expect(apps[s.app('frontend', 'g2')]).toBe('running');
    expect(await lockExists()).toBe(false);
  });

  it('a nightly backup after such a kill proceeds, taking the lock over', async () => {
    const pid = await killedApply('g3', { UNHEALTHY: '1', WAIT: '5m' });
    const before = await readdir(join(s.dir, 'backups')).catch(() => [] as string[]);
    const backup = await s.cli(['backup', '--json'], { env: LEASE_ENV });
    expect(backup.code, output(backup)).toBe(0);
    expect(takeOverLines(backup.stderr), backup.stderr).toHaveLength(1);
    expect(backup.stderr).toContain(`pid ${pid}, deploy id g3`);
    const { path } = JSON.parse(backup.stdout) as { path: string };
    expect(await readdir(join(s.dir, 'backups'))).toEqual(
      expect.arrayContaining([...before, path.split('/').pop()]),
    );
    expect(await lockExists()).toBe(false);
  });
});

describe('a live holder', () => {
  it('a second apply exits 3, `unlock` exits 1 leaving the lock; --force releases it and the holder stops with LOCK_LOST', async () => {
    const busy = s.start(['apply', '-y', '--deploy-id', 'g4'], {
      env: { ...LEASE_ENV, UNHEALTHY: '1', WAIT: '5m' },
    });
    await waitFor('the apply to take the lock', lockExists, 30_000, 50);
    const held = await lockId();

    const second = await s.cli(['apply', '-y', '--deploy-id', 'g5'], { env: LEASE_ENV });
    expect(second.code, output(second)).toBe(3);
    expect(second.stderr).toContain(`pid ${busy.child.pid}, deploy id g4`);
    expect(takeOverLines(second.stderr)).toEqual([]);

    const refused = await s.cli(['unlock'], { env: LEASE_ENV });
    expect(refused.code, output(refused)).toBe(1);
    expect(refused.stderr).toContain('Error [LOCK_IN_USE]');
    expect(refused.stderr).toContain(`pid ${busy.child.pid}, deploy id g4`);
    expect(refused.stderr).toContain('unlock --force');
    expect(await lockId()).toBe(held);

    const forced = await s.cli(['unlock', '--force'], { env: LEASE_ENV });
    expect(forced.code, output(forced)).toBe(0);
    expect(forced.stdout).toContain('released with --force');
    const stopped = await busy.done;
    expect(stopped.code, output(stopped)).toBe(1);
    expect(stopped.stderr).toContain('Error [LOCK_LOST]');
    // Its half-started generation was rolled back; the one before keeps serving.
    const apps = await s.apps();
    expect(apps[s.app('backend', 'g4')]).toBeUndefined();
    expect(apps[s.app('backend', 'g2')]).toBe('running');
  });
});

describe('a holder on another machine', () => {
  it('whose lease never moves is taken over after the TTL', async () => {
    const image = (await docker.listImages({ filters: { reference: [MARKER_IMAGE] } })).length;
    expect(image, 'the marker image exists after the applies above').toBe(1);
    const remote = await docker.createContainer({
      name: lock,
      Image: MARKER_IMAGE,
      Cmd: ['lock'],
      Labels: e2eLabels(s.project, {
        'deployctl.role': 'lock',
        'deployctl.lock.host': 'another-ci-runner',
        'deployctl.lock.pid': '4242',
        'deployctl.lock.deploy-id': 'r1',
        'deployctl.lock.command': 'deployctl apply',
        'deployctl.lock.since': new Date().toISOString(),
        'deployctl.lock.renew-ms': '1000',
      }),
    });
    const run = await s.cli(['apply', '-y', '--deploy-id', 'g2'], { env: { ...LEASE_ENV, TAG: 'v2' } });
    expect(run.code, output(run)).toBe(0);
    expect(run.ms).toBeGreaterThanOrEqual(3000);
    const lines = takeOverLines(run.stderr);
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain('host another-ci-runner, pid 4242, deploy id r1');
    expect(lines[0]).toMatch(/its lease did not move for 3\.\ds while watched \(TTL 3\.0s\)/);
    expect(run.stdout).toContain('Apply complete: generation g2');
    await expect(docker.getContainer(remote.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await lockExists()).toBe(false);
  });
});
