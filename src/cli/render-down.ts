import type { DownResult } from '../down/execute.js';
import type { DownAction, DownPlan } from '../plan/down.js';
import { isActive } from '../plan/live.js';
import { formatDuration } from '../util/clock.js';
import type { Style } from './style.js';

/** What `down` will do and what it leaves untouched, before the question. */
export function renderDownPlan(plan: DownPlan, style: Style): string {
  const lines: string[] = [];
  if (plan.actions.length === 0) {
    lines.push(
      style.bold(
        `Nothing to take down: project ${plan.project} has no app container${plan.includeInfra ? ' and no running infra container' : ''}.`,
      ),
    );
  } else {
    lines.push(style.bold(`deployctl down will, for project ${plan.project}:`));
    for (const a of plan.actions) lines.push(`  ${style.red(verb(a))} ${a.name}${about(a)}`);
  }
  if (plan.untouched.length > 0) {
    lines.push(style.bold('Left untouched:'));
    for (const u of plan.untouched)
      lines.push(`  ${style.green('keep')} ${u.resource} ${u.name}: ${u.detail}`);
  }
  return lines.join('\n');
}

/** The closing summary once down has run. */
export function renderDownSummary(plan: DownPlan, result: DownResult, style: Style): string {
  const lines = [style.bold(`Down complete for ${plan.project}.`)];
  const row = (label: string, names: string[]): void => {
    if (names.length > 0) lines.push(`  ${label.padEnd(9)} ${names.join(', ')}`);
  };
  row('stopped', result.stopped);
  row('removed', result.removed);
  const kept = plan.untouched.map((u) => `${u.resource} ${u.name}`);
  row('untouched', kept);
  lines.push('  Bring it back with `deployctl apply` (volumes and data are as they were).');
  return lines.join('\n');
}

function verb(a: DownAction): string {
  if (a.kind === 'stop') return 'stop';
  return isActive(a.state) ? 'stop+remove' : 'remove';
}

function about(a: DownAction): string {
  const parts: string[] = [];
  if (a.service) parts.push(`${a.role} ${a.service}`);
  if (a.deployId) parts.push(`generation ${a.deployId}`);
  parts.push(a.state);
  if (isActive(a.state)) parts.push(`grace ${formatDuration(a.graceMs)}`);
  return ` (${parts.join(', ')})`;
}

/** `down --json`: snake_case keys, as every other JSON output of deployctl. */
export function downToJson(status: string, plan: DownPlan, result: DownResult | undefined): unknown {
  return {
    status,
    project: plan.project,
    include_infra: plan.includeInfra,
    actions: plan.actions.map((a) => ({
      kind: a.kind,
      role: a.role,
      name: a.name,
      service: a.service ?? null,
      deploy_id: a.deployId ?? null,
      state: a.state,
      grace_ms: a.graceMs,
      reason: a.reason,
      detail: a.detail,
    })),
    untouched: plan.untouched,
    result: result ?? null,
  };
}
