import { describe, expect, it } from 'vitest';
import { executePlan } from '../../../src/apply/execute.js';
import { observe } from '../../../src/apply/observe.js';
import type { Action, Plan } from '../../../src/plan/actions.js';
import { planDeploy } from '../../../src/plan/planner.js';
import { DB, Harness, app, shopSpec } from './harness.js';

const LEGACY = 'shop_legacy_persistent';

async function planFor(h: Harness, deployId: string, replace: string[] = []): Promise<Plan> {
  const spec = shopSpec();
  return planDeploy({ spec, deployId, observed: await observe(h.engine, spec, deployId), replace });
}

function withAction(plan: Plan, action: Partial<Action> & Pick<Action, 'name' | 'kind' | 'phase'>): Plan {
  const full: Action = {
    resource: 'container',
    role: 'infra',
    reason: 'expired_generation',
    detail: 'tampered',
    protected: true,
    changes: [],
    ...action,
  };
  return { ...plan, actions: [full, ...plan.actions] };
}

function deps(h: Harness) {
  return { engine: h.engine, io: h.io, clock: h.clock, signal: h.controller.signal };
}

describe('the guard before each destructive engine call', () => {
  it('GIVEN a plan that (by a bug) removes the protected db in cleanup WHEN executing THEN it refuses, the db stays, and nothing was removed', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const db = h.engine.container(DB)!;
    const plan = withAction(await planFor(h, 'd2'), {
      kind: 'remove',
      name: DB,
      phase: 'cleanup',
      service: 'db',
      observed: { id: db.id, state: 'running' },
    });
    const mark = h.mark();
    const err = await executePlan(shopSpec(), plan, deps(h)).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('PROTECTED_CONFLICT');
    expect(err?.message).toContain(`refusing to remove protected container ${DB}`);
    expect(h.callsSince(mark).filter((c) => c.method === 'removeContainer')).toEqual([]);
    expect(h.stateOf(DB)).toBe('running');
  });

  it('GIVEN a plan that (by a bug) stops a protected legacy container in retire WHEN executing THEN the new generation is rolled back and the legacy container runs', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const legacy = h.engine.addContainer({ name: LEGACY, image: 'postgres:15' }, 'running');
    const plan = withAction(await planFor(h, 'd2'), {
      kind: 'stop',
      role: 'unmanaged',
      name: LEGACY,
      phase: 'retire',
      observed: { id: legacy, state: 'running' },
    });
    const err = await executePlan(shopSpec(), plan, deps(h)).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('APPLY_FAILED');
    expect(err?.message).toContain(`refusing to stop protected container ${LEGACY}`);
    expect(h.stateOf(LEGACY)).toBe('running');
  });

  it('GIVEN a plan that (by a bug) replaces the db without --replace WHEN executing THEN it refuses before renaming anything', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const db = h.engine.container(DB)!;
    const plan = await planFor(h, 'd1');
    const tampered: Plan = {
      ...plan,
      actions: plan.actions.map((a) => (a.name === DB && a.kind === 'noop' ? { ...a, kind: 'replace' } : a)),
    };
    const mark = h.mark();
    const err = await executePlan(shopSpec(), tampered, deps(h)).then(
      () => undefined,
      (e: unknown) => e as { code: string },
    );
    expect(err?.code).toBe('PROTECTED_CONFLICT');
    expect(h.events(mark)).toEqual([]);
    expect(h.idOf(DB)).toBe(db.id);
  });

  it('GIVEN a legacy container matching cleanup.protect, stopped WHEN deploying THEN it is listed as protected and never touched', async () => {
    const h = new Harness();
    // Created by hand long ago: no deployctl labels at all.
    const legacy = h.engine.addContainer({ name: LEGACY, image: 'postgres:15' }, 'exited');
    const mark = h.mark();
    const outcome = await h.deploy(shopSpec(), 'd1');
    const action = outcome.plan.actions.find((a) => a.name === LEGACY);
    expect(action).toMatchObject({
      kind: 'noop',
      role: 'unmanaged',
      protected: true,
      reason: 'protected_name',
    });
    expect(h.callsSince(mark).filter((c) => c.args[0] === legacy && c.method !== 'inspectContainer')).toEqual(
      [],
    );
    expect(h.stateOf(LEGACY)).toBe('exited');
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
  });
});
