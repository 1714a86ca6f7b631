import { PLAN_FORMAT_VERSION, type Plan } from './actions.js';
import { stateFingerprint } from './fingerprint.js';
import type { ObservedState } from './observed.js';
import { sortActions, sortFindings, summarize } from './order.js';
import type { PlanContext } from './plan-context.js';
import { checkProtection } from './protection.js';

/**
 * The plan a context's steps made, in its fixed order, and then the protection rules re-checked
 * over the whole of it: every kind of plan (apply, rollback) ends here, so none can skip them.
 * `observed` is the state as read (the lock included), which the fingerprint covers.
 */
export function finishPlan(ctx: PlanContext, observed: ObservedState): Plan {
  const actions = sortActions(ctx.actions);
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    project: ctx.spec.project,
    deployId: ctx.deployId,
    replace: [...ctx.replace].sort(),
    specHash: ctx.spec.specHash,
    stateFingerprint: stateFingerprint(observed, ctx.spec),
    actions,
    blockers: [],
    warnings: sortFindings(ctx.warnings),
    summary: summarize(actions),
  };
  plan.blockers = sortFindings([...ctx.blockers, ...checkProtection(plan, ctx.spec, observed)]);
  return plan;
}
