import type { Action, Plan } from '../../../src/plan/actions.js';
import type { ObservedState } from '../../../src/plan/observed.js';
import { planDeploy } from '../../../src/plan/planner.js';
import type { Spec } from '../../../src/spec/model.js';

export const DEPLOY = '20261123T080000Z';

export function plan(
  spec: Spec,
  observed: ObservedState,
  opts: { deployId?: string; replace?: string[]; now?: number } = {},
): Plan {
  return planDeploy({
    spec,
    observed,
    deployId: opts.deployId ?? DEPLOY,
    replace: opts.replace ?? [],
    ...(opts.now === undefined ? {} : { now: opts.now }),
  });
}

/** The actions about one name (a container, volume, network, dir or image). */
export function actionsFor(p: Plan, name: string): Action[] {
  return p.actions.filter((a) => a.name === name);
}

/** The single action about `name`; fails the test if there is not exactly one. */
export function only(p: Plan, name: string): Action {
  const found = actionsFor(p, name);
  if (found.length !== 1) {
    throw new Error(
      `expected one action for ${name}, got ${found.length}: ${JSON.stringify(found.map((a) => a.kind))}`,
    );
  }
  return found[0]!;
}

export function kindsFor(p: Plan, name: string): string[] {
  return actionsFor(p, name).map((a) => `${a.kind}:${a.reason}`);
}
