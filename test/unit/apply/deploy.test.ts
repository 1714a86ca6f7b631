import { describe, expect, it } from 'vitest';
import { lockName } from '../../../src/apply/lock.js';
import { observe } from '../../../src/apply/observe.js';
import { RecordingIoHost } from '../../../src/io/io-host.js';
import { parsePlanJson } from '../../../src/plan/plan-file.js';
import { planToJson } from '../../../src/plan/plan-json.js';
import { planDeploy } from '../../../src/plan/planner.js';
import type { Spec } from '../../../src/spec/model.js';
import { APP_V2, DB, DB_VOLUME, Harness, NET, PROJECT, app, backend, frontend, shopSpec } from './harness.js';

const LOCK_EVENTS = (e: string): boolean => !e.includes('deployctl-lock');

/** A plan as `plan --out` saves it and `apply FILE` reads it back. */
async function savedPlan(h: Harness, spec: Spec, deployId: string, replace: string[] = []) {
  const observed = await observe(h.engine, spec, deployId);
  const plan = planDeploy({ spec, deployId, observed, replace });
  return parsePlanJson(JSON.stringify(planToJson(plan)), 'plan.json');
}

describe('deploy: confirmation', () => {
  it('GIVEN no --auto-approve WHEN the user does not confirm THEN NOT_CONFIRMED, nothing changed, lock released', async () => {
    const h = new Harness();
    h.io = new RecordingIoHost(false);
    const plans: unknown[] = [];
    const err = await h.deployFails(shopSpec(), 'd1', { autoApprove: false, onPlan: (p) => plans.push(p) });
    expect(err.code).toBe('NOT_CONFIRMED');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('nothing was changed');
    expect(err.message).toContain('--auto-approve (-y)');
    // The plan was shown before the question.
    expect(plans).toHaveLength(1);
    expect(h.events().filter(LOCK_EVENTS)).toEqual([]);
    expect(h.engine.containers.size).toBe(0);
  });

  it('GIVEN no --auto-approve WHEN the user confirms THEN it applies', async () => {
    const h = new Harness();
    const outcome = await h.deploy(shopSpec(), 'd1', { autoApprove: false });
    expect(outcome.status).toBe('applied');
    expect(h.stateOf(app('frontend', 'd1'))).toBe('running');
  });

  it('GIVEN nothing to change WHEN apply runs without approval THEN it does not ask and changes nothing', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    h.io = new RecordingIoHost(false);
    const mark = h.mark();
    const outcome = await h.deploy(shopSpec(), 'd1', { autoApprove: false });
    expect(outcome.status).toBe('no_changes');
    expect(h.events(mark).filter(LOCK_EVENTS)).toEqual([]);
  });
});

describe('deploy: the lock and a no-op apply', () => {
  it('GIVEN nothing to change and no lock held WHEN applying THEN it ends without taking the lock', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const mark = h.mark();
    const outcome = await h.deploy(shopSpec(), 'd1');
    expect(outcome.status).toBe('no_changes');
    expect(h.events(mark)).toEqual([]);
  });

  it('GIVEN nothing to change WHEN another run holds the lock THEN LOCK_HELD (exit 3): its changes may be under way', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    await h.holdLock('d2');
    const mark = h.mark();
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.code).toBe('LOCK_HELD');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('host ci-runner-2, pid 777, deploy id d2');
    expect(h.events(mark)).toEqual([`create ${lockName(PROJECT)}`]);
  });

  it('GIVEN changes to make WHEN applying THEN the plan is made again under the lock and the lock released', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const mark = h.mark();
    await h.deploy(shopSpec(), 'd2');
    const events = h.events(mark);
    expect(events[0]).toBe(`create ${lockName(PROJECT)}`);
    expect(events.at(-1)).toBe(`remove ${lockName(PROJECT)}`);
    // Two looks at the containers: one before the lock, one under it.
    expect(h.callsSince(mark).filter((c) => c.method === 'listContainers')).toHaveLength(2);
  });

  it('GIVEN a saved plan with nothing to do WHEN it still matches THEN no_changes without the lock', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const saved = await savedPlan(h, shopSpec(), 'd1');
    const mark = h.mark();
    const outcome = await h.deploy(shopSpec(), 'd1', { savedPlan: saved });
    expect(outcome.status).toBe('no_changes');
    expect(h.events(mark)).toEqual([]);
  });
});

describe('deploy: idempotence and deploy ids', () => {
  it('GIVEN the same deploy id and spec WHEN applying again THEN no changes and no engine change', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const mark = h.mark();
    const outcome = await h.deploy(shopSpec(), 'd1');
    expect(outcome.status).toBe('no_changes');
    expect(outcome.plan.summary).toMatchObject({
      create: 0,
      start: 0,
      replace: 0,
      stop: 0,
      remove: 0,
      pull: 0,
    });
    expect(h.events(mark).filter(LOCK_EVENTS)).toEqual([]);
  });

  it('GIVEN a generated deploy id WHEN the live generation already runs this spec THEN its id is reused and nothing changes', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const mark = h.mark();
    const outcome = await h.deploy(shopSpec(), '20260101T090000Z', { deployIdGenerated: true });
    expect(outcome.status).toBe('no_changes');
    expect(outcome.plan.deployId).toBe('d1');
    expect(h.events(mark).filter(LOCK_EVENTS)).toEqual([]);
  });

  it('GIVEN a generated deploy id WHEN the spec changed THEN a new generation takes the generated id', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const outcome = await h.deploy(shopSpec({ image: APP_V2 }), '20260101T090000Z', {
      deployIdGenerated: true,
    });
    expect(outcome.status).toBe('applied');
    expect(outcome.plan.deployId).toBe('20260101T090000Z');
    expect(h.stateOf(app('backend', '20260101T090000Z'))).toBe('running');
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
  });

  it('GIVEN a rollback by deploy id to a kept generation WHEN applying again with a generated id THEN the serving (older) generation is reused', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    await h.deploy(shopSpec({ image: APP_V2 }), 'd2');
    await h.deploy(shopSpec(), 'd1');
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    const mark = h.mark();
    const outcome = await h.deploy(shopSpec(), '20260101T120000Z', { deployIdGenerated: true });
    expect(outcome.status).toBe('no_changes');
    expect(outcome.plan.deployId).toBe('d1');
    expect(h.events(mark).filter(LOCK_EVENTS)).toEqual([]);
  });

  it('GIVEN an explicit deploy id equal to nothing live WHEN the spec is unchanged THEN it still deploys that id (no reuse)', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const outcome = await h.deploy(shopSpec(), 'd2');
    expect(outcome.status).toBe('applied');
    expect(h.stateOf(app('backend', 'd2'))).toBe('running');
  });
});

describe('deploy: saved plans', () => {
  it('GIVEN a saved plan WHEN nothing moved THEN apply executes it', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const spec = shopSpec({ image: APP_V2 });
    const saved = await savedPlan(h, spec, 'd2');
    const outcome = await h.deploy(spec, 'd2', { savedPlan: saved });
    expect(outcome.status).toBe('applied');
    expect(h.stateOf(app('backend', 'd2'))).toBe('running');
  });

  it('GIVEN a saved plan WHEN the live state moved (a container stopped by hand) THEN PLAN_STALE and nothing changed', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const spec = shopSpec({ image: APP_V2 });
    const saved = await savedPlan(h, spec, 'd2');
    await h.engine.stopContainer(h.idOf(app('frontend', 'd1'))!, 0);
    const mark = h.mark();
    const err = await h.deployFails(spec, 'd2', { savedPlan: saved });
    expect(err.code).toBe('PLAN_STALE');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('the live state of the engine changed since it was made');
    expect(err.message).toContain('Nothing was changed.');
    expect(h.events(mark).filter(LOCK_EVENTS)).toEqual([]);
    expect(h.engine.container('shop.deployctl-lock')).toBeUndefined();
  });

  it('GIVEN a saved plan WHEN the spec (or a variable) changed THEN PLAN_STALE and nothing changed', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const saved = await savedPlan(h, shopSpec({ image: APP_V2 }), 'd2');
    const edited = shopSpec({
      image: APP_V2,
      apps: [backend(APP_V2, { environment: { X: '1' } }), frontend(APP_V2)],
    });
    const mark = h.mark();
    const err = await h.deployFails(edited, 'd2', { savedPlan: saved });
    expect(err.code).toBe('PLAN_STALE');
    expect(err.message).toContain('the spec (or a variable it uses) changed since it was made');
    expect(h.events(mark).filter(LOCK_EVENTS)).toEqual([]);
  });

  it('GIVEN a saved plan WHEN only health changed THEN it still applies (health flaps, it is not state)', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const spec = shopSpec({ image: APP_V2 });
    h.engine.setHealthSequence(app('backend', 'd1'), ['starting']);
    const saved = await savedPlan(h, spec, 'd2');
    h.engine.setHealthSequence(app('backend', 'd1'), ['healthy']);
    const outcome = await h.deploy(spec, 'd2', { savedPlan: saved });
    expect(outcome.status).toBe('applied');
  });
});

describe('deploy: refusals before any change', () => {
  it('GIVEN the external volume does not exist WHEN applying THEN PLAN_BLOCKED and nothing is created', async () => {
    const h = new Harness();
    h.engine.volumes.delete(DB_VOLUME);
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.code).toBe('PLAN_BLOCKED');
    expect(err.message).toContain(DB_VOLUME);
    expect(err.message).toContain('nothing was changed');
    expect(h.events().filter(LOCK_EVENTS)).toEqual([]);
    expect(h.engine.volumes.has(DB_VOLUME)).toBe(false);
  });

  it('GIVEN an app name that matches a cleanup.protect glob WHEN applying THEN PLAN_BLOCKED and nothing changes', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const mark = h.mark();
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'persistent');
    expect(err.code).toBe('PLAN_BLOCKED');
    expect(err.message).toContain(
      `${app('backend', 'persistent')}, which is protected (matches cleanup.protect "shop_*_persistent")`,
    );
    expect(h.events(mark).filter(LOCK_EVENTS)).toEqual([]);
  });
});

describe('deploy: the summary', () => {
  it('GIVEN a second generation WHEN it is applied THEN the result lists created, stopped, kept, serving and phase times', async () => {
    const h = new Harness();
    const first = await h.deploy(shopSpec(), 'd1');
    expect(first.status === 'applied' && first.result).toMatchObject({
      project: PROJECT,
      deployId: 'd1',
      created: [NET, DB, app('backend', 'd1'), app('frontend', 'd1')],
      stopped: [],
      removed: [],
      serving: [app('backend', 'd1'), app('frontend', 'd1')],
    });
    const second = await h.deploy(shopSpec({ image: APP_V2 }), 'd2');
    if (second.status !== 'applied') throw new Error('expected an apply');
    const r = second.result;
    expect(r.created).toEqual([app('backend', 'd2'), app('frontend', 'd2')]);
    expect([...r.stopped].sort()).toEqual([app('backend', 'd1'), app('frontend', 'd1')]);
    expect(r.kept).toEqual([app('backend', 'd1'), app('frontend', 'd1')]);
    expect(r.serving).toEqual([app('backend', 'd2'), app('frontend', 'd2')]);
    expect(r.replaced).toEqual([]);
    expect(r.pulled).toEqual([]);
    expect(r.phases.map((p) => p.phase)).toEqual(['cleanup', 'images', 'infra', 'deploy', 'retire']);
    expect(r.phases.find((p) => p.phase === 'deploy')!.ms).toBeGreaterThan(0);
    expect(h.stateOf(DB)).toBe('running');
  });
});
