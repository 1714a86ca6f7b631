import type { RecoverPlan } from '../plan/plan-recover.js';
import type { RecoverSummary } from '../recover/execute.js';
import type { Style } from './style.js';

/** What recover is about to do, before it asks. */
export function renderRecoverPlan(plan: RecoverPlan, style: Style): string {
  const t = plan.target;
  const lines = [
    style.bold(
      `Recover ${plan.project}: ${t.deployId ? `live generation ${t.deployId}` : 'no app generation'} (from ${t.source === 'ledger' ? `revision ${t.revision ?? '?'} of the history` : 'live labels: no usable history'}).`,
    ),
  ];
  for (const s of plan.steps) lines.push(`  ${s.kind.padEnd(9)} ${s.container}: ${s.why}`);
  for (const e of plan.errors) lines.push(`  ${style.red('error'.padEnd(9))} ${e.resource} ${e.why}`);
  return lines.join('\n');
}

/** The closing summary: recovered, already fine, still broken. */
export function renderRecoverSummary(s: RecoverSummary, nothingToDo: boolean, style: Style): string {
  const head =
    s.errors.length > 0
      ? style.red(style.bold(`Recover of ${s.project} left ${s.errors.length} thing(s) broken.`))
      : nothingToDo
        ? style.bold(
            `Nothing to recover: everything is running${s.deploy_id ? ` (generation ${s.deploy_id})` : ''}.`,
          )
        : style.bold(
            `Recover complete: the infrastructure${s.deploy_id ? ` and generation ${s.deploy_id}` : ''} of ${s.project} are running.`,
          );
  const lines = [head];
  for (const r of s.recovered) lines.push(`  ${r.action.padEnd(9)} ${r.resource}`);
  if (s.skipped.length > 0)
    lines.push(`  ${'fine'.padEnd(9)} ${s.skipped.map((k) => k.resource).join(', ')}`);
  for (const e of s.errors) lines.push(`  ${style.red('error'.padEnd(9))} ${e.resource} ${e.why}`);
  return lines.join('\n');
}
