import type { Action, ActionKind, Plan } from './actions.js';
import { hasChanges } from './actions.js';
import { renderChange } from './render-changes.js';
import type { Style } from './style.js';
import { isHealthGate } from './unproven.js';

export { plainStyle, type Style } from './style.js';

/**
 * Symbols, Terraform's where it has one: `+` create, `~` start or drift, `-/+` replace,
 * `-` remove, `■` stop (a stopped container is kept, so it is not a `-`), `<=` pull (read
 * from a registry, like a Terraform data source), `~>` route (the proxy loads new routes in
 * place), `=` left as is.
 */
const SYMBOL: Record<ActionKind, string> = {
  create: '+',
  start: '~',
  drift: '~',
  replace: '-/+',
  remove: '-',
  stop: '■',
  pull: '<=',
  route: '~>',
  noop: '=',
};

function paint(kind: ActionKind, text: string, style: Style): string {
  switch (kind) {
    case 'create':
      return style.green(text);
    case 'remove':
    case 'stop':
      return style.red(text);
    case 'replace':
    case 'drift':
      return style.yellow(text);
    case 'start':
    case 'pull':
    case 'route':
      return style.cyan(text);
    case 'noop':
      return style.dim(text);
  }
}

interface Group {
  title: string;
  actions: Action[];
}

/**
 * The plan as people read it: a header, the actions grouped by what they touch, warnings and
 * errors, and a last line that sums it up (`Plan: …` or `No changes. …`).
 */
export function renderPlanText(plan: Plan, style: Style): string {
  const lines: string[] = [style.bold(`deployctl plan: project ${plan.project}, deploy ${plan.deployId}`)];
  if (plan.replace.length > 0) lines.push(`--replace: ${plan.replace.join(', ')}`);
  for (const group of groups(plan)) {
    if (group.actions.length === 0) continue;
    lines.push('', style.bold(group.title));
    for (const action of group.actions) lines.push(...renderAction(action, plan, style));
  }
  const findings = [
    ...plan.warnings.map((w) => `${style.yellow('Warning:')} ${w.message}`),
    ...plan.blockers.map((b) => `${style.red('Error:')} ${b.message}`),
  ];
  if (findings.length > 0) lines.push('', ...findings);
  lines.push('', summaryLine(plan, style));
  return `${lines.join('\n')}\n`;
}

function groups(plan: Plan): Group[] {
  const untouched = (a: Action): boolean => a.reason === 'removed_from_spec' || a.reason === 'protected_name';
  const rest = plan.actions.filter((a) => !untouched(a));
  const isCurrent = (a: Action): boolean =>
    a.role === 'app' && a.deployId === plan.deployId && a.reason !== 'failed_leftover';
  return [
    {
      title: 'Infrastructure (protected)',
      actions: rest.filter((a) => a.role === 'infra' && a.resource !== 'image' && a.resource !== 'routes'),
    },
    { title: 'Images', actions: rest.filter((a) => a.resource === 'image') },
    {
      title: `Apps — generation ${plan.deployId}`,
      actions: rest.filter((a) => a.resource !== 'image' && isCurrent(a)),
    },
    { title: 'Traffic (proxy)', actions: rest.filter((a) => a.resource === 'routes') },
    {
      title: 'Older generations',
      actions: rest.filter((a) => a.role === 'app' && a.resource !== 'image' && !isCurrent(a)),
    },
    { title: 'Protected, untouched', actions: plan.actions.filter(untouched) },
  ];
}

function renderAction(action: Action, plan: Plan, style: Style): string[] {
  const symbol = paint(action.kind, SYMBOL[action.kind].padEnd(3), style);
  const about = [
    action.service,
    action.deployId !== undefined && action.deployId !== plan.deployId
      ? `deploy ${action.deployId}`
      : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(', ');
  const head = `${action.resource} ${action.name}${about ? ` (${about})` : ''}${action.protected ? ' [protected]' : ''}`;
  if (action.kind === 'noop') return [`  ${symbol} ${style.dim(`${head}: ${action.detail}`)}`];
  const label =
    action.kind === 'drift'
      ? `${style.yellow('drift')} `
      : isHealthWait(action)
        ? `${style.yellow('wait')} `
        : '';
  return [
    `  ${symbol} ${label}${head}: ${action.detail}`,
    ...action.changes.map((c) => `        ${renderChange(c, style)}`),
  ];
}

/** A running container apply only waits on, because it was never proven healthy. */
function isHealthWait(action: Action): boolean {
  return isHealthGate(action.reason);
}

/** `Plan: 2 to create, 1 to replace, 2 to stop, 1 to remove; 1 protected drift (not applied)`. */
export function summaryLine(plan: Plan, style: Style): string {
  const s = plan.summary;
  if (!hasChanges(plan) && s.drift === 0)
    return style.green('No changes. Infrastructure and apps match the spec.');
  // The JSON summary counts a health wait as a start; people read "to start" as "is stopped".
  const waits = plan.actions.filter(isHealthWait).length;
  const counts = [
    `${s.create} to create`,
    ...(s.start - waits > 0 ? [`${s.start - waits} to start`] : []),
    ...(waits > 0 ? [`${waits} to wait for`] : []),
    `${s.replace} to replace`,
    `${s.stop} to stop`,
    `${s.remove} to remove`,
    ...(s.pull > 0 ? [`${s.pull} to pull`] : []),
    ...(s.route > 0 ? [`${s.route} to reroute`] : []),
  ];
  const drift = s.drift > 0 ? `; ${s.drift} protected drift (not applied)` : '';
  return `${style.bold('Plan:')} ${counts.join(', ')}${drift}`;
}
