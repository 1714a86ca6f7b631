import { checkAbort } from '../apply/guard.js';
import { Journal, type RollbackReport } from '../apply/journal.js';
import { containerEvent } from '../apply/lifecycle.js';
import { runCleanup } from '../apply/phase-cleanup.js';
import { runRetire } from '../apply/phase-retire.js';
import { emptyResult, type ApplyResult } from '../apply/result.js';
import type { ApplyDeps, RunState } from '../apply/run-state.js';
import { waitHealthy } from '../apply/wait-healthy.js';
import { CONFIG_LABEL } from '../engine/labels.js';
import { asDeployctlError, DeployctlError, InterruptedError } from '../errors.js';
import type { Action, Plan } from '../plan/actions.js';
import type { RestartPolicy, Spec } from '../spec/model.js';
import { startOrder } from '../spec/start-order.js';

/** Without the service in today's spec: how long a put-back container may take to be healthy. */
const DEFAULT_WAIT_MS = 60_000;
const DEFAULT_GRACE_MS = 10_000;

/**
 * Runs a rollback plan (src/plan/plan-rollback.ts) under the project lock: the kept containers
 * of the target are started as they are, in depends_on order, each level healthy before the
 * next (the same health wait as a deploy). Any failure or Ctrl+C before the whole generation is
 * healthy stops again what this run started, so the generation that was serving keeps serving.
 * Once it is healthy, older generations are retired exactly as after an apply.
 */
export async function executeRollback(spec: Spec, plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const state: RunState = {
    spec,
    plan,
    deps,
    journal: new Journal(),
    result: emptyResult(spec.project, plan.deployId),
    imageIds: new Map(),
  };
  const targets = plan.actions.filter((a) => a.phase === 'deploy' && a.resource === 'container');
  try {
    await deps.io.step(`Put back generation ${plan.deployId}`, (update) =>
      startTarget(state, targets, update),
    );
  } catch (err) {
    let report: RollbackReport | undefined;
    await deps.io
      .step(`Stopping generation ${plan.deployId} again`, async () => {
        report = await state.journal.rollback(deps.engine, deps.events);
        return `stopped again ${report.stoppedAgain.length}`;
      })
      .catch(() => undefined); // the failure that matters is `err`; the report says what was undone
    throw failed(err, plan, report);
  }
  state.result.serving.push(...targets.filter((a) => a.observed?.state !== 'paused').map((a) => a.name));
  if (deps.signal?.aborted) {
    throw new InterruptedError(
      `interrupted after generation ${plan.deployId} became healthy: it is serving (${state.result.serving.join(', ')}), ` +
        `but the generation it replaces was not retired yet. Re-run \`deployctl rollback ${plan.deployId}\` to finish (it will only retire it).`,
    );
  }
  try {
    await deps.io.step('Retire the replaced generation', async (update) => {
      const retired = await runRetire(state, update);
      const cleaned = await runCleanup(state, update);
      return `${retired}; ${cleaned}`;
    });
  } catch (err) {
    throw new DeployctlError(
      'ROLLBACK_FAILED',
      `generation ${plan.deployId} is back and serving (${state.result.serving.join(', ')}), but retiring the others failed: ${asDeployctlError(err).message} ` +
        `Infrastructure and the database were not touched. Re-run \`deployctl rollback ${plan.deployId}\` to finish retiring them.`,
      { cause: err },
    );
  }
  return state.result;
}

async function startTarget(
  state: RunState,
  targets: Action[],
  update: (text: string) => void,
): Promise<string> {
  const nodes = targets.map((a) => ({
    name: a.service ?? a.name,
    dependsOn: state.spec.apps.services.find((s) => s.name === a.service)?.dependsOn ?? [],
  }));
  let started = 0;
  for (const level of startOrder(nodes)) {
    checkAbort(state, `while putting back generation ${state.plan.deployId}`);
    const inLevel = targets.filter((a) => level.includes(a.service ?? a.name));
    // One failure ends the level at once: siblings stop waiting, and nothing starts after the undo.
    const levelStop = new AbortController();
    const onUser = (): void => levelStop.abort();
    state.deps.signal?.addEventListener('abort', onUser, { once: true });
    if (state.deps.signal?.aborted) levelStop.abort();
    const outcomes = await Promise.allSettled(
      inLevel.map(async (action) => {
        try {
          if (await putBack(state, action, update, levelStop.signal)) started += 1;
        } catch (err) {
          levelStop.abort();
          throw err;
        }
      }),
    ).finally(() => state.deps.signal?.removeEventListener('abort', onUser));
    const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (errors.length > 0) {
      const interrupted = (e: unknown): boolean => e instanceof DeployctlError && e.code === 'INTERRUPTED';
      throw state.deps.signal?.aborted
        ? (errors.find(interrupted) ?? errors[0])
        : (errors.find((e) => !interrupted(e)) ?? errors[0]);
    }
  }
  return started === 0 ? 'already running and healthy' : `${started} container(s) started and healthy`;
}

/** Starts one kept container (or adopts it) and waits until it is healthy; true when it started it. */
async function putBack(
  state: RunState,
  action: Action,
  update: (text: string) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const { engine, clock } = state.deps;
  const service = state.spec.apps.services.find((s) => s.name === action.service);
  const id = action.observed!.id;
  const who = { name: action.name, ...(action.service ? { service: action.service } : {}) };
  const graceMs = service?.stopGracePeriodMs ?? DEFAULT_GRACE_MS;
  const since = clock.now();
  let started = false;
  if (action.kind === 'noop' && action.observed?.state !== 'running') return false; // paused: left as it is
  if (signal.aborted) throw new InterruptedError(`interrupted before putting back ${action.name}`);
  if (action.kind === 'start' && action.reason === 'stopped') {
    update(`starting ${action.name}`);
    state.journal.started.push({ id, name: action.name, graceMs });
    await restoreRanPolicy(state, id);
    await engine.startContainer(id);
    state.result.started.push(action.name);
    started = true;
  } else if (action.kind === 'start' && action.reason === 'unproven_kept') {
    // Brought back by a rollback that was killed: goes back to sleep on failure, as then.
    state.journal.started.push({ id, name: action.name, graceMs });
  }
  update(`waiting for ${action.name}`);
  await waitHealthy(
    engine,
    {
      container: id,
      service: action.service ?? action.name,
      timeoutMs: service?.waitTimeoutMs ?? DEFAULT_WAIT_MS,
    },
    clock,
    signal,
  );
  containerEvent(state.deps.events, 'container.ready', who, clock.now() - since);
  return started;
}

/** One paragraph: what failed, what was undone, what serves now, what to do. */
function failed(err: unknown, plan: Plan, report: RollbackReport | undefined): DeployctlError {
  const cause = asDeployctlError(err);
  const head = cause.message.includes('\n') ? `${cause.message}\n` : `${cause.message.replace(/\.?$/, '.')} `;
  const serving = plan.actions
    .filter((a) => a.phase !== 'deploy' && a.role === 'app' && a.observed?.state === 'running')
    .map((a) => a.name);
  const keptServing = plan.actions.filter((a) => a.reason === 'serving_unproven').map((a) => a.name);
  const parts = [
    report
      ? report.stoppedAgain.length > 0
        ? `Rollback to ${plan.deployId} undone: stopped again ${report.stoppedAgain.join(', ')}.`
        : `Nothing of generation ${plan.deployId} was left started.`
      : `The undo did not complete: run \`deployctl history\` and \`docker ps\` to see what runs.`,
  ];
  if (report && report.failures.length > 0) parts.push(`Could NOT undo: ${report.failures.join('; ')}.`);
  if (keptServing.length > 0)
    parts.push(
      `${keptServing.join(', ')} serve${keptServing.length === 1 ? 's' : ''} alone and ${keptServing.length === 1 ? 'was' : 'were'} left running.`,
    );
  parts.push(
    serving.length > 0
      ? `The current generation keeps serving, untouched: ${serving.join(', ')}.`
      : 'No other generation was running before this rollback.',
  );
  parts.push('Infrastructure and the database were not touched.');
  parts.push(
    cause.code === 'INTERRUPTED'
      ? `Re-run \`deployctl rollback ${plan.deployId}\` when ready.`
      : `Fix the cause above, or roll back to another deploy id (\`deployctl history\`).`,
  );
  const message = head + parts.join(' ');
  return cause.code === 'INTERRUPTED'
    ? new InterruptedError(message)
    : new DeployctlError(cause.code === 'INTERNAL' ? 'ROLLBACK_FAILED' : cause.code, message, {
        cause: err,
        data: { ...cause.data, deploy_id: plan.deployId },
      });
}

/**
 * Retire set a kept container's restart policy to `no` (phase-retire.ts), so a reboot leaves it
 * down. Put back, it gets the policy it ran with, read from its own definition label: the
 * snapshot, not today's spec.
 */
async function restoreRanPolicy(state: RunState, id: string): Promise<void> {
  const detail = await state.deps.engine.inspectContainer(id);
  const policy = ranWithRestart(detail?.labels[CONFIG_LABEL]);
  if (policy && policy !== 'no' && policy !== detail?.restartPolicy)
    await state.deps.engine.setRestartPolicy(id, policy);
}

const POLICIES: readonly RestartPolicy[] = ['no', 'always', 'unless-stopped', 'on-failure'];

function ranWithRestart(label: string | undefined): RestartPolicy | undefined {
  if (!label) return undefined;
  try {
    const restart = (JSON.parse(label) as { restart?: unknown }).restart;
    return POLICIES.find((p) => p === restart);
  } catch {
    return undefined; // unreadable label: leave the policy as it is
  }
}
