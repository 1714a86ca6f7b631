import { underProjectLock, type LockOptions } from '../apply/locked-run.js';
import { observe } from '../apply/observe.js';
import type { ApplyDeps } from '../apply/run-state.js';
import { DeployctlError } from '../errors.js';
import { roleOf } from '../plan/live.js';
import { hasRecoverSteps, planRecover, targetFromLabels, type RecoverPlan } from '../plan/plan-recover.js';
import { recorded } from '../revisions/recorded.js';
import { runningServices } from '../revisions/running-services.js';
import type { RevisionService } from '../revisions/revision.js';
import type { Spec } from '../spec/model.js';
import { executeRecover, type RecoverSummary } from './execute.js';
import { recoverTarget } from './target.js';

export interface RecoverOptions extends LockOptions {
  spec: Spec;
  autoApprove: boolean;
  /** Called with the plan before asking for confirmation, for rendering. */
  onPlan?: (plan: RecoverPlan) => void;
}

export type RecoverOutcome =
  | { status: 'nothing_to_do'; plan: RecoverPlan; summary: RecoverSummary }
  | { status: 'recovered'; plan: RecoverPlan; summary: RecoverSummary };

/**
 * `deployctl recover`: compares the live revision (and the spec's infrastructure) with the
 * engine and brings back what should run. A first look without the lock ends a run with nothing
 * to do at once; anything else is planned again under the project lock, confirmed, executed
 * and recorded as a `recover` revision. Errors are part of the summary (exit 1), not thrown.
 */
export async function recover(opts: RecoverOptions, deps: ApplyDeps): Promise<RecoverOutcome> {
  const look = await planNow(opts.spec, deps);
  if (!look.lockHeld && !hasRecoverSteps(look.plan)) return nothing(opts, look.plan);
  return underProjectLock({ project: opts.spec.project, command: 'recover' }, opts, deps, async (locked) => {
    const { plan } = await planNow(opts.spec, locked);
    if (!hasRecoverSteps(plan)) return nothing(opts, plan);
    opts.onPlan?.(plan);
    if (!opts.autoApprove && !(await deps.io.confirm('Recover as shown?'))) {
      throw new DeployctlError(
        'NOT_CONFIRMED',
        'recover was not confirmed, so nothing was changed. To recover without a question (CI, scripts, no terminal), pass --yes (-y).',
      );
    }
    const deployId = plan.target.deployId ?? '';
    let summary: RecoverSummary;
    try {
      summary = await recorded(
        deps.recorder,
        { kind: 'recover', deployId, summary: `recover ${deployId || '(infrastructure only)'}` },
        async (events) => {
          const s = await deps.io.step('Recover', (update) =>
            executeRecover(opts.spec, plan, { ...locked, events }, update),
          );
          if (s.errors.length > 0) throw incomplete(s);
          return s;
        },
        () => servicesAfter(deps, opts.spec, plan),
      );
    } catch (err) {
      if (err instanceof DeployctlError && err.code === 'RECOVER_INCOMPLETE')
        summary = err.data!.summary as RecoverSummary;
      else throw err;
    }
    return { status: 'recovered', plan, summary };
  });
}

async function planNow(spec: Spec, deps: ApplyDeps): Promise<{ plan: RecoverPlan; lockHeld: boolean }> {
  const fromLedger = await recoverTarget(deps.engine, spec);
  const observed = await observe(deps.engine, spec, fromLedger.target?.deployId ?? '-');
  const target = fromLedger.target ?? targetFromLabels(spec, observed, fromLedger.why);
  return {
    plan: planRecover(spec, observed, target),
    lockHeld: observed.containers.some((c) => roleOf(c) === 'lock'),
  };
}

function nothing(opts: RecoverOptions, plan: RecoverPlan): RecoverOutcome {
  opts.onPlan?.(plan);
  return {
    status: 'nothing_to_do',
    plan,
    summary: {
      v: 1,
      project: plan.project,
      deploy_id: plan.target.deployId ?? null,
      source: plan.target.source,
      revision: plan.target.revision ?? null,
      recovered: [],
      skipped: plan.skipped,
      errors: plan.errors,
    },
  };
}

function incomplete(summary: RecoverSummary): DeployctlError {
  return new DeployctlError(
    'RECOVER_INCOMPLETE',
    `recover left ${summary.errors.length} thing(s) broken: ${summary.errors.map((e) => `${e.resource} ${e.why}`).join(' ')}`,
    { data: { summary } },
  );
}

/** What the recover revision records: the spec's infra as it runs now, and the live generation's apps. */
async function servicesAfter(deps: ApplyDeps, spec: Spec, plan: RecoverPlan): Promise<RevisionService[]> {
  const deployId = plan.target.deployId ?? '-';
  const running = await runningServices(deps.engine, spec, deployId);
  const apps: RevisionService[] = plan.target.apps.map((a) => ({
    service: a.service,
    role: 'app',
    container: a.container,
    image: a.image,
    ...(a.imageId ? { image_id: a.imageId } : {}),
    ...(a.configHash ? { config_hash: a.configHash } : {}),
  }));
  return [...running.filter((s) => s.role === 'infra'), ...apps];
}
