import type { ContainerInfo } from '../engine/port.js';
import { LABEL } from '../engine/labels.js';
import type { Spec } from '../spec/model.js';
import type { Action, Blocker, Plan } from './actions.js';
import type { ObservedState } from './observed.js';
import { asideOriginalName, isUnmanaged, projectOf, roleOf } from './live.js';

/**
 * The protection rules, in one place. The planner asks `protectionOf` before it emits anything
 * destructive, and `checkProtection` re-checks the finished plan against the live state, so a
 * planner bug becomes a blocker instead of a stopped database.
 */

export interface Protection {
  protected: boolean;
  /** Why, as a phrase that fits after "protected: ". */
  why?: string;
}

const compiledGlobs = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` one character; the whole name must match. */
export function matchesGlob(name: string, glob: string): boolean {
  let re = compiledGlobs.get(glob);
  if (!re) {
    const source = glob
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.+()[\]{}|/-]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${source}$`, 's');
    compiledGlobs.set(glob, re);
  }
  return re.test(name);
}

/** Protection that follows from a name alone: an infra container name or a cleanup.protect glob. */
export function nameProtection(name: string, spec: Spec): Protection {
  const infra = spec.infra.services.find((s) => s.containerName === name);
  if (infra) return { protected: true, why: `container name of infra service "${infra.name}"` };
  const glob = spec.cleanup.protect.find((g) => matchesGlob(name, g));
  if (glob !== undefined) return { protected: true, why: `matches cleanup.protect "${glob}"` };
  // A copy left aside by an interrupted --replace may be the only one holding the data.
  const original = asideOriginalName(name);
  const asideOf =
    original === undefined ? undefined : spec.infra.services.find((s) => s.containerName === original);
  if (asideOf) return { protected: true, why: `renamed-aside copy of infra container ${original ?? ''}` };
  return { protected: false };
}

/**
 * Whether a live container is protected: its name is an infra container name or matches a
 * cleanup.protect glob, or it is labelled role=infra by this project (or carries role=infra
 * without any project, so a hand-labelled container is safe too). Another project's infra is
 * not "protected" here because the planner never touches another project's containers at all.
 */
export function protectionOf(container: ContainerInfo, spec: Spec): Protection {
  const byName = nameProtection(container.name, spec);
  if (byName.protected) return byName;
  const project = projectOf(container);
  if (roleOf(container) === 'infra' && (project === undefined || project === spec.project)) {
    return { protected: true, why: `labelled ${LABEL.role}=infra` };
  }
  return { protected: false };
}

const DESTRUCTIVE = new Set<Action['kind']>(['stop', 'remove', 'replace']);

/**
 * Whole-plan check, run before the first action: any stop, remove or replace of a protected
 * container (unless it is the replace of an infra service that --replace named), of a container
 * this project did not create, or of any volume, network or dir is a `protection_violation`.
 */
export function checkProtection(plan: Plan, spec: Spec, observed: ObservedState): Blocker[] {
  const blockers: Blocker[] = [];
  for (const action of plan.actions) {
    if (!DESTRUCTIVE.has(action.kind)) continue;
    const why = violation(action, plan, spec, observed);
    if (why !== undefined) {
      blockers.push({
        code: 'protection_violation',
        target: action.name,
        message:
          `the plan would ${action.kind} ${action.resource} ${action.name}, but ${why}; apply refuses the whole plan and nothing was changed. ` +
          'This is a bug in deployctl: please report it with the output of `deployctl plan --json`.',
      });
    }
  }
  return blockers;
}

function violation(action: Action, plan: Plan, spec: Spec, observed: ObservedState): string | undefined {
  if (action.resource !== 'container') return `${action.resource}s are never stopped, replaced or removed`;
  const target =
    observed.containers.find((c) => action.observed !== undefined && c.id === action.observed.id) ??
    observed.containers.find((c) => c.name === action.name);
  if (isRequestedReplace(action, plan, spec)) {
    // --replace may recreate this project's infra container or a legacy unmanaged one, nothing else.
    if (target && !isUnmanaged(target) && projectOf(target) !== spec.project) {
      return `it belongs to project ${projectOf(target) ?? '?'}`;
    }
    return undefined;
  }
  if (action.protected) return 'it is marked protected';
  const protection = target ? protectionOf(target, spec) : nameProtection(action.name, spec);
  if (protection.protected) return `it is protected (${protection.why ?? 'protected'})`;
  if (target && projectOf(target) !== spec.project) {
    return isUnmanaged(target)
      ? 'deployctl did not create it'
      : `it belongs to project ${projectOf(target) ?? '?'}`;
  }
  return undefined;
}

function isRequestedReplace(action: Action, plan: Plan, spec: Spec): boolean {
  if (action.kind !== 'replace' || action.service === undefined || !plan.replace.includes(action.service))
    return false;
  const service = spec.infra.services.find((s) => s.name === action.service);
  return service !== undefined && service.containerName === action.name;
}
