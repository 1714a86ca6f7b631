import type { ContainerInfo } from '../engine/port.js';
import { LABEL } from '../engine/labels.js';
import type { Spec } from '../spec/model.js';
import type { Plan } from './actions.js';
import { deployIdOf, isActive, isOwned, isRenamedAside, isStopped, observedOf } from './live.js';
import type { ObservedState } from './observed.js';
import { finishPlan } from './finish-plan.js';
import { addAction, addStateWarnings, claim, newContext, type PlanContext } from './plan-context.js';
import { planOlderGenerations } from './plan-generations.js';
import { protectionOf } from './protection.js';
import { gateDetail, isProven } from './unproven.js';

export interface RollbackPlanInput {
  spec: Spec;
  /** The generation to put back. */
  deployId: string;
  /** Its kept containers (chosen from the ledger and the live state: src/rollback/target.ts). */
  containers: ContainerInfo[];
  observed: ObservedState;
}

/**
 * `deployctl rollback` as a plan of typed actions, pure like `planDeploy`: the kept containers of
 * the target generation are started as they are (never recreated from the spec), and every
 * other app generation goes through the same rotation as after an apply (planOlderGenerations:
 * the serving one stopped and kept, older ones beyond keep_generations removed). Only app
 * containers of this project appear; infrastructure is never planned here, and the whole plan
 * is re-checked by the protection rules before it may run.
 */
export function planRollback(input: RollbackPlanInput): Plan {
  const { spec, deployId, observed } = input;
  const ctx = newContext(spec, deployId, observed, []);
  // Infra and anything this project did not create take no part in a rollback at all.
  for (const c of ctx.observed.containers) if (!isOwned(c, spec.project, 'app')) claim(ctx, c);
  planTarget(ctx, input.containers);
  planOlderGenerations(ctx);
  return finishPlan(ctx, observed);
}

function planTarget(ctx: PlanContext, targets: ContainerInfo[]): void {
  const ids = new Set(targets.map((c) => c.id));
  // Other containers of the target's deploy id (not in its revision) are left as they are.
  for (const c of ctx.observed.containers) {
    if (ids.has(c.id) || deployIdOf(c) !== ctx.deployId || isRenamedAside(c) || ctx.claimed.has(c.id))
      continue;
    if (!isOwned(c, ctx.spec.project, 'app')) continue;
    claim(ctx, c);
    addAction(ctx, {
      kind: 'noop',
      resource: 'container',
      role: 'app',
      name: c.name,
      service: c.labels[LABEL.service],
      deployId: ctx.deployId,
      reason: 'orphan_app',
      detail: 'not part of the recorded generation: left as it is',
      phase: 'retire',
      observed: observedOf(c),
    });
  }
  const othersActive = ctx.observed.containers.some(
    (c) =>
      isOwned(c, ctx.spec.project, 'app') &&
      !isRenamedAside(c) &&
      deployIdOf(c) !== undefined &&
      deployIdOf(c) !== ctx.deployId &&
      isActive(c.state),
  );
  const unproven = targets.some((c) => isActive(c.state) && !isProven(c));
  for (const c of targets) {
    claim(ctx, c);
    const protection = protectionOf(c, ctx.spec);
    const base = {
      resource: 'container' as const,
      role: 'app' as const,
      name: c.name,
      service: c.labels[LABEL.service],
      deployId: ctx.deployId,
      phase: 'deploy' as const,
      protected: protection.protected,
      observed: observedOf(c),
    };
    if (isStopped(c.state)) {
      addAction(ctx, {
        ...base,
        kind: 'start',
        reason: 'stopped',
        detail: `kept generation: will be started again as it ran (image ${shortImage(c)}, its own configuration and environment)`,
      });
    } else if (c.state === 'paused') {
      addStateWarnings(ctx, c);
      addAction(ctx, { ...base, kind: 'noop', reason: 'up_to_date', detail: 'paused: left paused' });
    } else if (unproven || (isActive(c.state) && !isProven(c))) {
      // A rollback killed while it waited left this generation running but never proven: it is
      // waited on again, and stopped again on failure unless it already serves alone.
      const gate = othersActive ? 'unproven_kept' : 'serving_unproven';
      addAction(ctx, { ...base, kind: 'start', reason: gate, detail: gateDetail(gate, c) });
    } else {
      addAction(ctx, { ...base, kind: 'noop', reason: 'up_to_date', detail: 'already running and healthy' });
    }
  }
}

function shortImage(c: ContainerInfo): string {
  return `${c.image}, ${c.imageId.replace(/^sha256:/, '').slice(0, 12)}`;
}
