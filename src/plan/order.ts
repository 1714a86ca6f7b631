import type {
  Action,
  ActionKind,
  ActionRole,
  Blocker,
  Phase,
  PlanSummary,
  PlanWarning,
  ResourceKind,
} from './actions.js';

// Images come before infra: creating an infra container needs its image.
const PHASES: Phase[] = ['cleanup', 'images', 'infra', 'deploy', 'traffic', 'retire'];
const ROLES: ActionRole[] = ['infra', 'app', 'unmanaged'];
// Within a phase, what others depend on first: networks and volumes before the containers using them.
const RESOURCES: ResourceKind[] = ['volume', 'network', 'dir', 'image', 'container', 'routes'];
const KINDS: ActionKind[] = [
  'drift',
  'pull',
  'create',
  'replace',
  'start',
  'route',
  'stop',
  'remove',
  'noop',
];

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The order actions are listed and executed in: by phase (cleanup, images, infra, deploy,
 * traffic, retire), then role, resource kind and name, so the same input always gives the same plan.
 */
export function sortActions(actions: Action[]): Action[] {
  return [...actions].sort(
    (a, b) =>
      PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) ||
      ROLES.indexOf(a.role) - ROLES.indexOf(b.role) ||
      RESOURCES.indexOf(a.resource) - RESOURCES.indexOf(b.resource) ||
      compareText(a.name, b.name) ||
      KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) ||
      compareText(a.observed?.id ?? '', b.observed?.id ?? ''),
  );
}

export function sortFindings<T extends Blocker | PlanWarning>(items: T[]): T[] {
  return [...items].sort(
    (a, b) =>
      compareText(a.target, b.target) || compareText(a.code, b.code) || compareText(a.message, b.message),
  );
}

export function summarize(actions: Action[]): PlanSummary {
  const summary: PlanSummary = {
    create: 0,
    start: 0,
    replace: 0,
    stop: 0,
    remove: 0,
    pull: 0,
    route: 0,
    drift: 0,
    noop: 0,
  };
  for (const action of actions) summary[action.kind] += 1;
  return summary;
}
