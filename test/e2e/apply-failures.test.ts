/**
 * How apply fails on the real engine, and what it leaves: a new generation that exits or never
 * gets healthy is rolled back with the reason and its logs, Ctrl+C rolls back and exits 130,
 * --replace db keeps the data, a saved plan is refused once the live state moved, and without
 * a terminal or -y nothing happens. In every case the previous generation keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, output, type Stack } from './apply-stack.js';
import { docker, waitFor } from './support/engine.js';

let s: Stack;
let lock: string;
let rows: string;

const lockExists = async (): Promise<boolean> =>
  docker
    .getContainer(lock)
    .inspect()
    .then(
      () => true,
      () => false,
    );

const checksum = (): Promise<string> =>
  s.sql(
    "SELECT count(*) || ':' || md5(coalesce(string_agg(id || '=' || name, ',' ORDER BY id), '')) FROM items",
  );

/** d1 is still the serving generation, as the same containers. */
async function d1Serves(ids: Record<string, string | undefined>): Promise<void> {
  expect(await s.http('backend', '/version')).toBe('v1');
  expect(await s.stateOf(s.app('backend', 'd1'))).toBe('running');
  expect(await s.stateOf(s.app('frontend', 'd1'))).toBe('running');
  for (const [name, id] of Object.entries(ids)) expect(await s.idOf(name)).toBe(id);
}

let d1: Record<string, string | undefined>;

beforeAll(async () => {
  s = await createStack('fail');
  lock = `${s.project}.deployctl-lock`;
  const run = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
  expect(run.code, output(run)).toBe(0);
  d1 = Object.fromEntries(
    await Promise.all(
      [s.app('backend', 'd1'), s.app('frontend', 'd1'), s.db, s.proxy].map(
        async (n) => [n, await s.idOf(n)] as const,
      ),
    ),
  );
  await s.sql(
    "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); INSERT INTO items SELECT g, 'row-' || g FROM generate_series(1, 100) g;",
  );
  rows = await checksum();
});

afterAll(async () => {
  if (s) await s.cleanup();
});

describe('a new generation that fails', () => {
  it('exits at start: exit 1 naming the service with its last log lines; rolled back; d1 serves', async () => {
    const run = await s.cli(['apply', '-y', '--deploy-id', 'dfail'], { env: { FAIL_START: '1' } });
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain(
      `Error [CONTAINER_UNHEALTHY]: backend (${s.app('backend', 'dfail')}) exited with code 1.`,
    );
    expect(run.stderr).toContain('fixture app: FAIL_START is set, exiting 1');
    expect(run.stderr).toContain(`Rolled back: removed ${s.app('backend', 'dfail')}.`);
    expect(run.stderr).toContain(
      `Serving now: untouched ${s.app('backend', 'd1')}, ${s.app('frontend', 'd1')}.`,
    );
    expect(Object.keys(await s.apps()).filter((n) => n.endsWith('_dfail'))).toEqual([]);
    await d1Serves(d1);
  });

  it('never gets healthy: exit 1 with the healthcheck output; rolled back; d1 serves', async () => {
    const run = await s.cli(['apply', '-y', '--deploy-id', 'dsick'], {
      env: { UNHEALTHY: '1', RETRIES: '2' },
    });
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain(
      `backend (${s.app('backend', 'dsick')}) was marked unhealthy by its healthcheck.`,
    );
    expect(run.stderr).toMatch(/Last healthcheck output: .*404/);
    expect(run.stderr).toContain(`Rolled back: removed ${s.app('backend', 'dsick')}.`);
    expect(Object.keys(await s.apps()).filter((n) => n.endsWith('_dsick'))).toEqual([]);
    await d1Serves(d1);
  });

  it('Ctrl+C while waiting for it: exit 130, rolled back, d1 serves, lock released', async () => {
    const run = s.start(['apply', '-y', '--deploy-id', 'dint'], { env: { UNHEALTHY: '1', WAIT: '5m' } });
    await waitFor(
      'the new generation to start',
      async () => (await s.stateOf(s.app('backend', 'dint'))) === 'running',
    );
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code, output(result)).toBe(130);
    expect(result.stderr).toContain('Interrupted: stopping after the current step and rolling back');
    expect(result.stderr).toContain('Error [INTERRUPTED]: interrupted while waiting for backend.');
    expect(result.stderr).toContain(`Rolled back: removed ${s.app('backend', 'dint')}.`);
    expect(result.ms).toBeLessThan(60_000);
    expect(Object.keys(await s.apps()).filter((n) => n.endsWith('_dint'))).toEqual([]);
    expect(await lockExists()).toBe(false);
    await d1Serves(d1);
    // The next apply gets the lock (no exit 3).
    const next = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(next.code, output(next)).toBe(0);
    expect(next.stdout).toContain('Nothing to do');
  });
});

describe('refusals and replacements', () => {
  it('no terminal and no -y: exit 1 NOT_CONFIRMED, plan shown, nothing changed', async () => {
    const run = await s.cli(['apply', '--deploy-id', 'dask'], { env: { TAG: 'v2' } });
    expect(run.code, output(run)).toBe(1);
    expect(run.stdout).toContain(
      `container ${s.app('backend', 'dask')} (backend): does not exist: will be created`,
    );
    expect(run.stderr).toContain('Error [NOT_CONFIRMED]: apply was not confirmed, so nothing was changed.');
    expect(run.stderr).toContain('--auto-approve (-y)');
    expect(Object.keys(await s.apps()).filter((n) => n.endsWith('_dask'))).toEqual([]);
    expect(await lockExists()).toBe(false);
    await d1Serves(d1);
  });

  it('--replace db -y recreates the database on its volume: new container id, data intact', async () => {
    const apps = {
      [s.app('backend', 'd1')]: d1[s.app('backend', 'd1')],
      [s.app('frontend', 'd1')]: d1[s.app('frontend', 'd1')],
    };
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd1', '--replace', 'db']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `container ${s.db} \\(db\\) \\[protected\\]: --replace db: will be recreated from the spec, on the same volumes`,
      ),
    );
    expect(run.stdout).toMatch(new RegExp(`replaced\\s+${s.db}`));
    const db = await docker.getContainer(s.db).inspect();
    expect(db.Id).not.toBe(d1[s.db]);
    expect(db.State.Running).toBe(true);
    expect(db.Mounts.filter((m) => m.Type === 'volume').map((m) => [m.Name, m.Destination])).toEqual([
      [s.volume, '/var/lib/postgresql/data'],
    ]);
    expect(await checksum()).toBe(rows);
    // The original was dropped only after the new one was healthy: no copy left aside.
    const aside = await docker.listContainers({ all: true, filters: { name: [`${s.db}.replaced-`] } });
    expect(aside).toEqual([]);
    await d1Serves({ ...apps, [s.proxy]: d1[s.proxy] });
    d1[s.db] = db.Id;
  });

  it('plan --out then apply of that file deploys exactly it', async () => {
    const plan = await s.cli(['plan', '--deploy-id', 'd2', '--out', 'plan-d2.json'], { env: { TAG: 'v2' } });
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr).toContain('Saved the plan to plan-d2.json');
    // Other projects on the same engine keep working meanwhile: their volumes and networks
    // are not this plan's live state.
    const other = `${s.project}_other_${Date.now()}`;
    await docker.createVolume({ Name: other });
    await docker.createNetwork({ Name: other });
    const run = await s.cli(['apply', 'plan-d2.json', '-y'], { env: { TAG: 'v2' } }).finally(async () => {
      await docker.getVolume(other).remove();
      await docker.getNetwork(other).remove();
    });
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toContain('Apply complete: generation d2');
    expect(await s.http('backend', '/version')).toBe('v2');
    expect(await s.stateOf(s.app('backend', 'd1'))).toBe('exited');
  });

  it('a saved plan is refused (PLAN_STALE, exit 1) once the live state moved, and nothing changes', async () => {
    const plan = await s.cli(['plan', '--deploy-id', 'd3', '--out', 'plan-d3.json']);
    expect(plan.code, output(plan)).toBe(0);
    // Someone stops a container by hand after the plan was made.
    await docker.getContainer(s.app('frontend', 'd2')).stop({ t: 5 });
    const before = await s.apps();
    const run = await s.cli(['apply', 'plan-d3.json', '-y']);
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain(
      'Error [PLAN_STALE]: refusing to apply the saved plan: the live state of the engine changed since it was made. Nothing was changed.',
    );
    expect(await s.apps()).toEqual(before);
    expect(await lockExists()).toBe(false);
    expect(await s.idOf(s.db)).toBe(d1[s.db]);
    expect(await checksum()).toBe(rows);
  });

  it('rollback by deploy id: the kept d1 comes back as the same containers and serves; d2 is stopped and kept', async () => {
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`started\\s+${s.app('backend', 'd1')}, ${s.app('frontend', 'd1')}`),
    );
    expect(await s.http('backend', '/version')).toBe('v1');
    expect(await s.idOf(s.app('backend', 'd1'))).toBe(d1[s.app('backend', 'd1')]);
    expect(await s.idOf(s.app('frontend', 'd1'))).toBe(d1[s.app('frontend', 'd1')]);
    expect(await s.stateOf(s.app('backend', 'd2'))).toBe('exited');
    // A plain apply afterwards (no deploy id) finds the serving generation already matches.
    const again = await s.cli(['apply', '-y']);
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toContain('Nothing to do: generation d1');
  });
});
