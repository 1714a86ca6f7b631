/**
 * `deployctl recover` on the shared engine: containers stopped or removed by hand (the state a
 * crashed host or a careless operator leaves), brought back in dependency order from the live
 * revision; the retired generation stays stopped; a second run is a no-op; a recover killed
 * with -9 mid-run converges when simply run again.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, output, type Stack } from './apply-stack.js';
import { docker, waitFor } from './support/engine.js';

let s: Stack;

interface Summary {
  v: number;
  deploy_id: string | null;
  source: string;
  recovered: { resource: string; action: string }[];
  skipped: { resource: string }[];
  errors: { resource: string; why: string }[];
}

const checkSummary = new Ajv2020.default({ strict: true, allErrors: true }).compile(
  JSON.parse(readFileSync(new URL('../../schemas/recover.schema.json', import.meta.url), 'utf8')) as object,
);

/** Every --json output read here is also checked against the documented schema. */
function summaryOf(stdout: string): Summary {
  const value: unknown = JSON.parse(stdout);
  expect(checkSummary(value), JSON.stringify(checkSummary.errors)).toBe(true);
  return value as Summary;
}

beforeAll(async () => {
  s = await createStack('recover');
  for (const id of ['d1', 'd2']) {
    const run = await s.cli(['apply', '-y', '--deploy-id', id]);
    expect(run.code, output(run)).toBe(0);
  }
  await s.sql('CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2), (3);');
}, 240_000);

afterAll(async () => {
  await s?.cleanup();
}, 60_000);

describe('recover on the shared engine', () => {
  it('with everything running: exit 0, "everything is running", nothing recorded as changed', async () => {
    const run = await s.cli(['recover', '-y']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(/everything is running/);
  }, 60_000);

  it('an app stopped by hand, one removed, the DB removed: all back, data intact, retired stays stopped', async () => {
    const dbId = await s.idOf(s.db);
    await docker.getContainer(s.app('backend', 'd2')).stop({ t: 1 });
    await docker.getContainer(s.app('frontend', 'd2')).remove({ force: true });
    await docker.getContainer(s.db).remove({ force: true });
    expect(await s.stateOf(s.app('backend', 'd1'))).toBe('exited');

    const run = await s.cli(['recover', '-y', '--json']);
    expect(run.code, output(run)).toBe(0);
    const sum = summaryOf(run.stdout);
    expect(sum).toMatchObject({ v: 1, deploy_id: 'd2', source: 'ledger', errors: [] });
    expect(sum.recovered.map((r) => `${r.action} ${r.resource}`).sort()).toEqual(
      [
        `recreated ${s.db}`,
        `started ${s.app('backend', 'd2')}`,
        `recreated ${s.app('frontend', 'd2')}`,
      ].sort(),
    );
    expect(sum.skipped.map((k) => k.resource)).toEqual([s.proxy]);

    expect(await s.idOf(s.db)).not.toBe(dbId);
    expect((await docker.getContainer(s.db).inspect()).Mounts.map((m) => m.Name)).toContain(s.volume);
    expect(await s.sql('SELECT count(*) FROM kept')).toBe('3');
    for (const svc of ['backend', 'frontend']) {
      const c = await docker.getContainer(s.app(svc, 'd2')).inspect();
      expect(c.State.Health?.Status).toBe('healthy');
    }
    expect(await s.stateOf(s.app('backend', 'd1'))).toBe('exited');
    expect(await s.stateOf(s.app('frontend', 'd1'))).toBe('exited');

    const history = await s.cli(['history', '--json']);
    const revs = (JSON.parse(history.stdout) as { revisions: { kind: string; result: string }[] }).revisions;
    expect(revs[0]).toMatchObject({ kind: 'recover', result: 'succeeded' });

    const again = await s.cli(['recover', '-y', '--json']);
    expect(again.code, output(again)).toBe(0);
    expect(summaryOf(again.stdout).recovered).toEqual([]);
  }, 180_000);

  it('a retired generation that came back by itself is stopped again', async () => {
    await docker.getContainer(s.app('backend', 'd1')).start();
    const run = await s.cli(['recover', '-y', '--json']);
    expect(run.code, output(run)).toBe(0);
    expect(summaryOf(run.stdout).recovered.map((r) => `${r.action} ${r.resource}`)).toEqual([
      `stopped ${s.app('backend', 'd1')}`,
    ]);
    expect(await s.stateOf(s.app('backend', 'd1'))).toBe('exited');
    expect(await s.stateOf(s.app('backend', 'd2'))).toBe('running');
  }, 120_000);

  it('a lost app whose spec configuration changed is an error naming apply and rollback (exit 1)', async () => {
    await docker.getContainer(s.app('frontend', 'd2')).remove({ force: true });
    const run = await s.cli(['recover', '-y', '--json'], { env: { TAG: 'v2' } });
    expect(run.code, output(run)).toBe(1);
    const sum = summaryOf(run.stdout);
    expect(sum.errors).toHaveLength(1);
    expect(sum.errors[0]!.resource).toBe(s.app('frontend', 'd2'));
    expect(sum.errors[0]!.why).toMatch(/deployctl apply.*deployctl rollback/);
    expect(await s.stateOf(s.app('frontend', 'd2'))).toBeUndefined();
    expect(await s.stateOf(s.app('frontend', 'd1'))).toBe('exited');
    const fixed = await s.cli(['recover', '-y']);
    expect(fixed.code, output(fixed)).toBe(0);
    expect(await s.stateOf(s.app('frontend', 'd2'))).toBe('running');
  }, 120_000);

  it('killed with -9 mid-run, then run again: converges', async () => {
    await docker.getContainer(s.db).stop({ t: 2 });
    await docker.getContainer(s.app('backend', 'd2')).stop({ t: 1 });
    const first = s.start(['recover', '-y']);
    let err = '';
    first.child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor('recover to start waiting', () => Promise.resolve(/waiting for/.test(err)), 60_000, 50);
    first.child.kill('SIGKILL');
    await first.done;
    const again = await s.cli(['recover', '-y', '--json']);
    expect(again.code, output(again)).toBe(0);
    expect(summaryOf(again.stdout).errors).toEqual([]);
    expect(await s.stateOf(s.db)).toBe('running');
    expect(await s.stateOf(s.app('backend', 'd2'))).toBe('running');
    expect(await s.stateOf(s.app('backend', 'd1'))).toBe('exited');
    expect(await s.sql('SELECT count(*) FROM kept')).toBe('3');
    const history = await s.cli(['history', '--json']);
    const revs = (JSON.parse(history.stdout) as { revisions: { kind: string; result: string }[] }).revisions;
    expect(revs.slice(0, 2).map((r) => `${r.kind} ${r.result}`)).toEqual([
      'recover succeeded',
      'recover interrupted',
    ]);
  }, 180_000);
});
