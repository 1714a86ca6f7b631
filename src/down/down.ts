import { underProjectLock, type LockOptions } from '../apply/locked-run.js';
import { DeployctlError } from '../errors.js';
import { hasDownWork, planDown, type DownPlan } from '../plan/down.js';
import { generationsNewestFirst, isOwned, roleOf } from '../plan/live.js';
import { recorded } from '../revisions/recorded.js';
import type { Recorder } from '../revisions/recorder.js';
import type { Spec } from '../spec/model.js';
import { executeDown, type DownDeps, type DownResult } from './execute.js';
import { observeDown } from './observe.js';

export interface DownOptions extends LockOptions {
  spec: Spec;
  includeInfra: boolean;
  autoApprove: boolean;
  /** Called with the plan before asking for confirmation, for rendering. */
  onPlan?: (plan: DownPlan) => void;
}

export type DownOutcome =
  { status: 'nothing_to_do'; plan: DownPlan } | { status: 'done'; plan: DownPlan; result: DownResult };

/**
 * `deployctl down`: under the project lock, observe, plan, confirm, then stop and remove the
 * app containers (and stop infra with --include-infra), recorded as a revision of kind `down`.
 * A first look without the lock ends a run with nothing to do at once, as apply does.
 */
export async function takeDown(
  opts: DownOptions,
  deps: Omit<DownDeps, 'events'> & { recorder?: Recorder },
): Promise<DownOutcome> {
  const first = await observeDown(deps.engine, opts.spec);
  const firstPlan = planDown({ spec: opts.spec, observed: first, includeInfra: opts.includeInfra });
  if (!hasDownWork(firstPlan) && !first.containers.some((c) => roleOf(c) === 'lock')) {
    opts.onPlan?.(firstPlan);
    return { status: 'nothing_to_do', plan: firstPlan };
  }
  return underProjectLock({ project: opts.spec.project, command: 'down' }, opts, deps, async (locked) => {
    const observed = await observeDown(deps.engine, opts.spec);
    const plan = planDown({ spec: opts.spec, observed, includeInfra: opts.includeInfra });
    opts.onPlan?.(plan);
    if (!hasDownWork(plan)) return { status: 'nothing_to_do', plan };
    if (!opts.autoApprove && !(await deps.io.confirm('Take these containers down?'))) {
      throw new DeployctlError(
        'NOT_CONFIRMED',
        'down was not confirmed, so nothing was changed. To take the stack down without a question (CI, scripts, no terminal), pass --yes (-y).',
      );
    }
    const live = generationsNewestFirst(
      observed.containers.filter((c) => isOwned(c, opts.spec.project, 'app')),
    );
    const result = await recorded(
      deps.recorder,
      {
        kind: 'down',
        deployId: live[0]?.deployId ?? '',
        summary: `down${opts.includeInfra ? ' --include-infra' : ''}: ${summaryOf(plan)}`,
      },
      (events) => executeDown(plan, { ...locked, ...(events ? { events } : {}) }),
      () => Promise.resolve([]),
    );
    return { status: 'done', plan, result };
  });
}

function summaryOf(plan: DownPlan): string {
  const removes = plan.actions.filter((a) => a.kind === 'remove').length;
  const stops = plan.actions.length - removes;
  return `remove ${removes} app container(s)${stops > 0 ? `, stop ${stops} infra container(s)` : ''}`;
}
