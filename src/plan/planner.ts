import { DeployctlError } from '../errors.js';
import type { Spec } from '../spec/model.js';
import type { Plan } from './actions.js';
import { planDataSafetyWarnings } from './data-safety.js';
import type { ObservedState } from './observed.js';
import { planCurrentApps, planOrphans } from './plan-apps.js';
import { finishPlan } from './finish-plan.js';
import { newContext } from './plan-context.js';
import { planOlderGenerations, planProtectedUntouched } from './plan-generations.js';
import { planPulls } from './plan-images.js';
import { planInfraContainers } from './plan-infra.js';
import { planStorage } from './plan-storage.js';
import { planTraffic } from './plan-traffic.js';
import { planVolumeSharing } from './volume-sharing.js';

export interface PlanInput {
  spec: Spec;
  /** The generation being deployed. */
  deployId: string;
  observed: ObservedState;
  /** Infra services named by --replace: the only way a protected container is recreated. */
  replace: string[];
  /** The time the plan is made, for cleanup.max_age; the caller's clock keeps this pure. */
  now?: number;
}

/**
 * Desired (spec) vs observed (live state) -> a plan of typed actions with reasons. Pure: the
 * same input always gives the same plan, whatever order the engine listed things in.
 *
 * The steps run in a fixed order because each live container gets exactly one decision: infra
 * names first (they are protected), then the current generation's names, then whatever this
 * project left behind. Protection is then re-checked over the whole plan, as a second opinion.
 */
export function planDeploy(input: PlanInput): Plan {
  const { spec, deployId, observed } = input;
  checkReplaceNames(spec, input.replace);
  const ctx = newContext(spec, deployId, observed, input.replace, input.now);

  planStorage(ctx);
  planInfraContainers(ctx);
  planCurrentApps(ctx);
  planOrphans(ctx);
  planOlderGenerations(ctx);
  planProtectedUntouched(ctx);
  planPulls(ctx);
  planDataSafetyWarnings(ctx);
  planVolumeSharing(ctx);
  // Last: whether the proxy gets new routes depends on what else this plan does.
  planTraffic(ctx);

  return finishPlan(ctx, observed);
}

function checkReplaceNames(spec: Spec, replace: string[]): void {
  const infra = spec.infra.services.map((s) => s.name);
  const unknown = [...new Set(replace)].filter((r) => !infra.includes(r));
  if (unknown.length === 0) return;
  throw new DeployctlError(
    'BAD_ARGUMENT',
    `--replace names ${unknown.map((u) => `"${u}"`).join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not an infra service of ${spec.project}; nothing was planned. ` +
      `--replace takes infra services (${infra.join(', ') || 'none defined'}); apps are replaced by deploying a new generation.`,
  );
}
