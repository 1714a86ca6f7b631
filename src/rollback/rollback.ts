import { underProjectLock, type LockOptions } from '../apply/locked-run.js';
import { observe } from '../apply/observe.js';
import type { ApplyResult } from '../apply/result.js';
import type { ApplyDeps } from '../apply/run-state.js';
import { LABEL } from '../engine/labels.js';
import { DeployctlError } from '../errors.js';
import { hasChanges, type Plan } from '../plan/actions.js';
import { planRollback } from '../plan/plan-rollback.js';
import { presentImages } from '../revisions/history.js';
import { readLedger } from '../revisions/ledger.js';
import { recorded } from '../revisions/recorded.js';
import type { RevisionService } from '../revisions/revision.js';
import { runningServices } from '../revisions/running-services.js';
import { ProjectStore } from '../revisions/store.js';
import type { Spec } from '../spec/model.js';
import { executeRollback } from './execute.js';
import { chooseTarget, type RollbackTarget } from './target.js';

export interface RollbackOptions extends LockOptions {
  spec: Spec;
  /** The deploy id to put back; default: the newest kept generation before the live one. */
  deployId?: string;
  autoApprove: boolean;
  /** Called with the target and its plan before asking for confirmation, for rendering. */
  onPlan?: (target: RollbackTarget, plan: Plan) => void;
}

export type RollbackOutcome =
  | { status: 'no_changes'; target: RollbackTarget; plan: Plan }
  | { status: 'rolled_back'; target: RollbackTarget; plan: Plan; result: ApplyResult };

/**
 * `deployctl rollback`: under the project lock, read the ledger and the live state, choose the
 * target, plan, check protection over the whole plan, confirm, then put the kept generation
 * back health-gated and retire the one it replaces. Recorded as a revision of kind `rollback`
 * whose deploy id is the target's. Never touches infrastructure. The lock is released however
 * this ends.
 */
export async function rollback(opts: RollbackOptions, deps: ApplyDeps): Promise<RollbackOutcome> {
  const { spec } = opts;
  return underProjectLock({ project: spec.project, command: 'rollback' }, opts, deps, async (locked) => {
    const { target, plan } = await planFromLive(opts, locked);
    opts.onPlan?.(target, plan);
    if (plan.blockers.length > 0) throw blockedError(plan);
    // Already put back and serving alone, and the ledger knows: nothing to do, nothing to record.
    if (!hasChanges(plan) && target.liveDeployId === target.deployId)
      return { status: 'no_changes', target, plan };
    if (!opts.autoApprove && !(await deps.io.confirm(`Roll back to ${target.deployId}?`))) {
      throw new DeployctlError(
        'NOT_CONFIRMED',
        'rollback was not confirmed, so nothing was changed. To roll back without a question (CI, scripts, no terminal), pass --yes (-y).',
      );
    }
    const result = await recorded(
      deps.recorder,
      {
        kind: 'rollback',
        deployId: target.deployId,
        ...(target.liveDeployId ? { previousDeployId: target.liveDeployId } : {}),
        summary: `rollback to ${target.deployId}`,
      },
      (events) => executeRollback(spec, plan, { ...locked, events }),
      () => servicesOf(deps, spec, target),
    );
    return { status: 'rolled_back', target, plan, result };
  });
}

async function planFromLive(
  opts: RollbackOptions,
  deps: ApplyDeps,
): Promise<{ target: RollbackTarget; plan: Plan }> {
  const { spec, deployId } = opts;
  const store = new ProjectStore(deps.engine, spec.project);
  const [revisions, observed] = await Promise.all([
    readLedger(store, spec.history.keep).catch((err: unknown) => {
      throw new DeployctlError(
        'ROLLBACK_UNAVAILABLE',
        `cannot read the revision history of ${spec.project} on the engine host (${err instanceof Error ? err.message : String(err)}); ` +
          'nothing was changed. A rollback needs it to know what ran; `deployctl apply --deploy-id ID` still deploys a given version.',
        { cause: err },
      );
    }),
    observe(deps.engine, spec, deployId ?? '-'),
  ]);
  const imagePresent = await presentImages(deps.engine, observed.containers);
  const target = chooseTarget({
    project: spec.project,
    revisions,
    containers: observed.containers,
    imagePresent,
    requested: deployId,
  });
  const plan = planRollback({ spec, deployId: target.deployId, containers: target.containers, observed });
  return { target, plan };
}

/** What the rollback revision ran: the target's app services as recorded, and today's infra. */
async function servicesOf(deps: ApplyDeps, spec: Spec, target: RollbackTarget): Promise<RevisionService[]> {
  const infra = (await runningServices(deps.engine, spec, target.deployId)).filter((s) => s.role === 'infra');
  const apps = target.services.map((s) => {
    const c = target.containers.find((x) => x.labels[LABEL.service] === s.service);
    return { ...s, ...(c ? { container: c.name, image_id: c.imageId } : {}) };
  });
  return [...infra, ...apps];
}

function blockedError(plan: Plan): DeployctlError {
  const lines = plan.blockers.map((b) => `  - ${b.target}: ${b.message}`).join('\n');
  return new DeployctlError(
    'PLAN_BLOCKED',
    `rollback refused before any change: the plan has ${plan.blockers.length} blocking problem(s); nothing was changed, protected resources were not touched.\n${lines}`,
    { data: { blockers: plan.blockers } },
  );
}
