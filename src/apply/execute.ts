import { DeployctlError, InterruptedError, asDeployctlError } from '../errors.js';
import type { Plan } from '../plan/actions.js';
import type { Spec } from '../spec/model.js';
import { Journal, type RollbackReport } from './journal.js';
import { runCleanup } from './phase-cleanup.js';
import { runDeploy } from './phase-deploy.js';
import { runImages } from './phase-images.js';
import { runInfra } from './phase-infra.js';
import { runRetire } from './phase-retire.js';
import { runTraffic } from './phase-traffic.js';
import { emptyResult, type ApplyResult } from './result.js';
import type { ApplyDeps, RunState } from './run-state.js';

type PhaseFn = (state: RunState, update: (text: string) => void) => Promise<string>;

/**
 * Executes a plan that has passed the protection check, in SPEC order: cleanup, images, infra,
 * the new generation (health-gated), then retirement of the old one. A failure or Ctrl+C before
 * the new generation is healthy rolls it back, so the previous generation keeps serving.
 * The caller holds the project lock.
 */
export async function executePlan(spec: Spec, plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const state: RunState = {
    spec,
    plan,
    deps,
    journal: new Journal(),
    result: emptyResult(spec.project, plan.deployId),
    imageIds: new Map(),
  };
  const phases: [string, string, PhaseFn][] = [
    ['cleanup', 'Pre-deploy cleanup', runCleanup],
    ['images', 'Images', runImages],
    ['infra', 'Infrastructure', runInfra],
    ['deploy', `New generation ${plan.deployId}`, runDeploy],
  ];
  if (spec.proxy) phases.push(['traffic', `Route traffic to ${plan.deployId}`, runTraffic]);
  try {
    for (const [name, title, run] of phases) await timed(state, name, title, run);
  } catch (err) {
    let report: RollbackReport | undefined;
    await deps.io
      .step('Rolling back the new generation', async () => {
        report = await state.journal.rollback(deps.engine, deps.events);
        return `removed ${report.removed.length}, restored ${report.restored.length}`;
      })
      .catch(() => undefined); // the failure that matters is `err`; the report says what was undone
    throw rolledBack(err, state, report);
  }
  if (deps.signal?.aborted) {
    throw new InterruptedError(
      `interrupted after the new generation ${plan.deployId} became healthy: it is serving (${state.result.serving.join(', ')}). ` +
        `Older generations were not retired yet; re-run \`deployctl apply --deploy-id ${plan.deployId}\` to finish (it will only retire them).`,
    );
  }
  try {
    await timed(state, 'retire', 'Retire older generations', runRetire);
  } catch (err) {
    const e = asDeployctlError(err);
    throw new DeployctlError(
      'APPLY_FAILED',
      `the new generation ${plan.deployId} is serving (${state.result.serving.join(', ')}), but retiring older ones failed: ${e.message} ` +
        `Infrastructure is untouched. Re-run \`deployctl apply --deploy-id ${plan.deployId}\` to finish retiring them.`,
      { cause: err },
    );
  }
  return state.result;
}

async function timed(state: RunState, name: string, title: string, run: PhaseFn): Promise<void> {
  const start = state.deps.clock.now();
  await state.deps.io.step(title, (update) => run(state, update));
  state.result.phases.push({ phase: name, ms: state.deps.clock.now() - start });
}

/** One paragraph: what failed, what was rolled back, what is serving now, what to do. */
function rolledBack(err: unknown, state: RunState, report: RollbackReport | undefined): DeployctlError {
  const cause = asDeployctlError(err);
  const { plan } = state;
  const removed = report?.removed ?? [];
  const restored = report?.restored ?? [];
  const stoppedAgain = report?.stoppedAgain ?? [];
  // The only generation serving, found unhealthy: waited on, never removed (phase-deploy).
  const kept = plan.actions.filter((a) => a.reason === 'serving_unproven').map((a) => a.name);
  // A cause ending in a block of log lines keeps it apart, so no sentence runs into a log line.
  const head = cause.message.includes('\n') ? `${cause.message}\n` : `${cause.message.replace(/\.?$/, '.')} `;
  const parts: string[] = [];
  if (report) {
    const undone = [
      removed.length ? `removed ${removed.join(', ')}` : '',
      stoppedAgain.length ? `stopped again ${stoppedAgain.join(', ')}` : '',
      restored.length ? `put back ${restored.join(', ')}` : '',
    ].filter(Boolean);
    parts.push(
      undone.length
        ? `Rolled back: ${undone.join('; ')}.`
        : kept.length
          ? 'Nothing was rolled back.'
          : 'Nothing of the new generation had been started.',
    );
  }
  if (kept.length > 0) {
    parts.push(
      `${kept.join(', ')} ${kept.length === 1 ? 'is' : 'are'} not healthy but left running, not removed: ` +
        `generation ${plan.deployId} is the only one serving.`,
    );
  }
  if (!report) parts.push('The rollback itself did not complete: run `deployctl plan` to see what is live.');
  else if (report.failures.length > 0) parts.push(`Could NOT undo: ${report.failures.join('; ')}.`);
  // What ran before this apply runs again: untouched (retire had not started), or put back by
  // the rollback when the same deploy id replaced it; only a failed put-back is missing.
  const lost = new Set(state.journal.replacements.map((r) => r.name).filter((n) => !restored.includes(n)));
  const serving = plan.actions
    .filter(
      (a) =>
        a.role === 'app' &&
        a.resource === 'container' &&
        a.observed?.state === 'running' &&
        !lost.has(a.name) &&
        // Adopted by this run (left running by a killed one) and undone by the rollback.
        !removed.includes(a.name) &&
        !stoppedAgain.includes(a.name),
    )
    .map((a) => a.name);
  const untouched = serving.filter((n) => !restored.includes(n));
  const putBack = serving.filter((n) => restored.includes(n));
  parts.push(
    serving.length === 0
      ? 'No app container was running before this apply.'
      : `Serving now: ${[
          untouched.length
            ? `untouched ${untouched.map((n) => (kept.includes(n) ? `${n} (not healthy)` : n)).join(', ')}`
            : '',
          putBack.length ? `put back ${putBack.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ')}.`,
  );
  parts.push(infraOutcome(state, removed));
  parts.push(
    cause.code === 'INTERRUPTED'
      ? 'Re-run `deployctl apply` when ready.'
      : 'Fix the cause above and re-run `deployctl apply`.',
  );
  const message = head + parts.join(' ');
  return cause.code === 'INTERRUPTED'
    ? new InterruptedError(message)
    : new DeployctlError(cause.code === 'INTERNAL' ? 'APPLY_FAILED' : cause.code, message, {
        cause: err,
        // The ledger records such an apply as rolled_back, not failed (src/revisions/recorded.ts).
        data: { ...cause.data, rolled_back: report !== undefined },
      });
}

/** What became of infrastructure: created or started by this run stays (it is persistent). */
function infraOutcome(state: RunState, removed: string[]): string {
  const created = state.result.created.filter((n) => !removed.includes(n) && isInfra(state, n));
  const started = state.result.started.filter((n) => isInfra(state, n));
  const replaced = state.journal.replacements.filter((r) => r.role === 'infra').map((r) => r.name);
  const notes = [
    created.length
      ? `infrastructure created by this run stays (it is persistent): ${created.join(', ')}`
      : '',
    started.length ? `infrastructure started by this run stays up: ${started.join(', ')}` : '',
    replaced.length ? `the original ${replaced.join(', ')} ${replaced.length === 1 ? 'is' : 'are'} back` : '',
  ].filter(Boolean);
  if (notes.length === 0) return 'Infrastructure was not touched.';
  const text = `${notes.join('; ')}; other infrastructure was not touched.`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isInfra(state: RunState, name: string): boolean {
  const s = state.spec;
  return (
    s.infra.services.some((x) => x.containerName === name) ||
    s.infra.volumes.some((v) => v.name === name) ||
    s.infra.networks.some((n) => n.name === name) ||
    s.infra.dirs.some((d) => d.name === name)
  );
}
