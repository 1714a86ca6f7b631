import type { ContainerInfo } from '../engine/port.js';
import type { Spec } from '../spec/model.js';
import type { Action, Blocker, PlanWarning } from './actions.js';
import type { CompareContext } from './compare.js';
import { roleOf } from './live.js';
import type { ObservedState } from './observed.js';

/** What the planning steps share while one plan is computed. */
export interface PlanContext {
  spec: Spec;
  deployId: string;
  observed: ObservedState;
  replace: ReadonlySet<string>;
  actions: Action[];
  blockers: Blocker[];
  warnings: PlanWarning[];
  /** Ids of containers a step already accounted for, so each live container gets one decision. */
  claimed: Set<string>;
  /** When the plan is made (ms): ages for cleanup.max_age. Absent: nothing ages out. */
  now?: number;
}

export function newContext(
  spec: Spec,
  deployId: string,
  observed: ObservedState,
  replace: string[],
  now?: number,
): PlanContext {
  // The lock container belongs to whoever holds the lock, never to a plan.
  const containers = observed.containers.filter((c) => roleOf(c) !== 'lock');
  return {
    spec,
    deployId,
    observed: { ...observed, containers },
    replace: new Set(replace),
    ...(now === undefined ? {} : { now }),
    actions: [],
    blockers: [],
    warnings: [],
    claimed: new Set(),
  };
}

export function containerNamed(ctx: PlanContext, name: string): ContainerInfo | undefined {
  return ctx.observed.containers.find((c) => c.name === name);
}

/** Containers no step has decided on yet, in a stable order whatever order the engine listed them in. */
export function unclaimed(ctx: PlanContext): ContainerInfo[] {
  return ctx.observed.containers
    .filter((c) => !ctx.claimed.has(c.id))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function claim(ctx: PlanContext, c: ContainerInfo): void {
  ctx.claimed.add(c.id);
}

export function compareContext(ctx: PlanContext): CompareContext {
  return {
    project: ctx.spec.project,
    images: ctx.observed.images,
    sensitiveValues: ctx.spec.sensitiveValues,
  };
}

type ActionInit = Omit<Action, 'changes' | 'protected'> & Partial<Pick<Action, 'changes' | 'protected'>>;

export function addAction(ctx: PlanContext, init: ActionInit): void {
  ctx.actions.push({ changes: [], protected: false, ...init });
}

/** Paused and unhealthy containers are left as they are, but the user should know. */
export function addStateWarnings(ctx: PlanContext, c: ContainerInfo): void {
  if (c.state === 'paused') {
    ctx.warnings.push({
      code: 'paused',
      target: c.name,
      message: `${c.name} is paused; deployctl leaves it paused. Run \`docker unpause ${c.name}\` if it should serve.`,
    });
  }
  if (c.health === 'unhealthy') {
    ctx.warnings.push({
      code: 'unhealthy',
      target: c.name,
      message: `${c.name} reports unhealthy; deployctl leaves it as it is. Check \`docker logs ${c.name}\` and its healthcheck.`,
    });
  }
}

/** An aside copy of an infra container: never touched, but the user must look at it. */
export function addRenamedAsideWarning(ctx: PlanContext, name: string): void {
  ctx.warnings.push({
    code: 'renamed_aside',
    target: name,
    message:
      `${name} is an infra container renamed aside by a replace that did not finish; deployctl never touches it. ` +
      `Check that the current container has its data, then remove it by hand (\`docker rm ${name}\`).`,
  });
}
