import { underProjectLock, type LockOptions } from './locked-run.js';
import { DeployctlError } from '../errors.js';
import { hasChanges, type Plan } from '../plan/actions.js';
import { matchingLiveGeneration } from '../plan/live-generation.js';
import { roleOf } from '../plan/live.js';
import { planDeploy } from '../plan/planner.js';
import type { Spec } from '../spec/model.js';
import { recorded } from '../revisions/recorded.js';
import { runningServices } from '../revisions/running-services.js';
import { executePlan } from './execute.js';
import { observe } from './observe.js';
import type { ApplyResult } from './result.js';
import type { ApplyDeps } from './run-state.js';

export interface DeployOptions extends LockOptions {
  spec: Spec;
  deployId: string;
  /**
   * The id was generated, not asked for: if the newest live generation already runs this exact
   * spec, its id is used instead so a repeated apply changes nothing.
   */
  deployIdGenerated: boolean;
  /** Infra services to recreate (--replace). */
  replace: string[];
  autoApprove: boolean;
  /** A plan saved by `plan --out`: applied only if the spec and the live state still match it. */
  savedPlan?: Plan;
  /** Called with the plan before asking for confirmation, for rendering. */
  onPlan?: (plan: Plan) => void;
}

export type DeployOutcome =
  { status: 'no_changes'; plan: Plan } | { status: 'applied'; plan: Plan; result: ApplyResult };

/**
 * `deployctl apply`: under the project lock, observe, plan, check protection over the whole
 * plan, confirm, execute. The lock is released however this ends.
 *
 * A first look is taken without the lock: when nobody holds it and the live state already
 * matches the spec, there is nothing to change and so nothing to serialise, and the run ends
 * there (the lock, a container create and remove, is most of a no-op apply's engine time).
 * Anything else, including a lock held by another run, goes the locked way and plans again.
 */
export async function deploy(opts: DeployOptions, deps: ApplyDeps): Promise<DeployOutcome> {
  checkReplaceNames(opts.spec, opts.replace);
  const look = await planFromLive(opts, deps);
  if (!look.lockHeld && isNoop(opts, look.plan)) {
    opts.onPlan?.(look.plan);
    return { status: 'no_changes', plan: look.plan };
  }
  return underProjectLock({ project: opts.spec.project, command: 'apply' }, opts, deps, async (locked) => {
    const { plan } = await planFromLive(opts, locked);
    if (opts.savedPlan) checkSavedPlan(opts.savedPlan, plan);
    opts.onPlan?.(plan);
    if (plan.blockers.length > 0) throw blockedError(plan);
    if (!hasChanges(plan)) return { status: 'no_changes', plan };
    if (!opts.autoApprove && !(await deps.io.confirm('Apply this plan?'))) {
      throw new DeployctlError(
        'NOT_CONFIRMED',
        'apply was not confirmed, so nothing was changed. To apply without a question (CI, scripts, no terminal), pass --auto-approve (-y).',
      );
    }
    const result = await recorded(
      deps.recorder,
      { kind: 'apply', deployId: plan.deployId, specHash: plan.specHash, summary: `apply ${plan.deployId}` },
      (events) => executePlan(opts.spec, plan, { ...locked, events }),
      () => runningServices(deps.engine, opts.spec, plan.deployId),
    );
    return { status: 'applied', plan, result };
  });
}

async function planFromLive(
  opts: DeployOptions,
  deps: ApplyDeps,
): Promise<{ plan: Plan; lockHeld: boolean }> {
  const observed = await observe(deps.engine, opts.spec, opts.deployId);
  const deployId = (opts.deployIdGenerated && matchingLiveGeneration(opts.spec, observed)) || opts.deployId;
  return {
    plan: planDeploy({ spec: opts.spec, deployId, observed, replace: opts.replace, now: deps.clock.now() }),
    lockHeld: observed.containers.some((c) => roleOf(c) === 'lock'),
  };
}

/** Nothing to do, nothing refused: the answer the locked path would give, without the lock. */
function isNoop(opts: DeployOptions, plan: Plan): boolean {
  const stale = opts.savedPlan && staleReason(opts.savedPlan, plan);
  return !hasChanges(plan) && plan.blockers.length === 0 && !stale;
}

function checkReplaceNames(spec: Spec, replace: string[]): void {
  const infra = spec.infra.services.map((s) => s.name);
  const unknown = replace.filter((r) => !infra.includes(r));
  if (unknown.length > 0) {
    throw new DeployctlError(
      'BAD_ARGUMENT',
      `--replace names ${unknown.map((u) => `"${u}"`).join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} not an infra service of ${spec.project}; nothing was changed. ` +
        `--replace takes infra services (${infra.join(', ') || 'none defined'}); app services are replaced by deploying a new generation.`,
    );
  }
}

function staleReason(saved: Plan, fresh: Plan): string | undefined {
  return saved.project !== fresh.project
    ? `it was made for project ${saved.project}, not ${fresh.project}`
    : saved.specHash !== fresh.specHash
      ? 'the spec (or a variable it uses) changed since it was made'
      : saved.stateFingerprint !== fresh.stateFingerprint
        ? 'the live state of the engine changed since it was made'
        : undefined;
}

function checkSavedPlan(saved: Plan, fresh: Plan): void {
  const why = staleReason(saved, fresh);
  if (why) {
    throw new DeployctlError(
      'PLAN_STALE',
      `refusing to apply the saved plan: ${why}. Nothing was changed. Run \`deployctl plan --out FILE\` again, review it, and apply the new file.`,
    );
  }
}

function blockedError(plan: Plan): DeployctlError {
  const lines = plan.blockers.map((b) => `  - ${b.target}: ${b.message}`).join('\n');
  return new DeployctlError(
    'PLAN_BLOCKED',
    `apply refused before any change: the plan has ${plan.blockers.length} blocking problem(s); nothing was changed, protected resources were not touched.\n${lines}`,
    { data: { blockers: plan.blockers } },
  );
}
