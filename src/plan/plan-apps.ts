import type { ContainerInfo } from '../engine/port.js';
import { LABEL } from '../engine/labels.js';
import { appContainerName, type ServiceSpec } from '../spec/model.js';
import { compareManaged } from './compare.js';
import {
  deployIdOf,
  isOwned,
  isRenamedAside,
  isStopped,
  isUnmanaged,
  observedOf,
  projectOf,
} from './live.js';
import {
  addAction,
  addStateWarnings,
  claim,
  compareContext,
  containerNamed,
  type PlanContext,
} from './plan-context.js';
import { nameProtection, protectionOf } from './protection.js';
import { gateDetail, healthGates } from './unproven.js';

/**
 * The generation being deployed: one container per app service, named for the deploy id.
 * A name held by anything else is a blocker, never something to move out of the way.
 */
export function planCurrentApps(ctx: PlanContext): void {
  const running: Running[] = [];
  for (const service of ctx.spec.apps.services) {
    const name = appContainerName(ctx.spec.project, service.name, ctx.deployId);
    const live = containerNamed(ctx, name);
    if (live) claim(ctx, live);
    const protection = live ? protectionOf(live, ctx.spec) : nameProtection(name, ctx.spec);
    if (protection.protected) {
      ctx.blockers.push({
        code: 'protected_name_conflict',
        target: name,
        message:
          `app "${service.name}" of deploy ${ctx.deployId} would be named ${name}, which is protected (${protection.why ?? ''}); ` +
          'nothing was changed. Deploy with another --deploy-id, rename the service, or narrow cleanup.protect.',
      });
    } else if (!live) {
      addApp(ctx, service, name, {
        kind: 'create',
        reason: 'missing',
        detail: 'does not exist: will be created',
      });
    } else if (isCurrent(ctx, live, service)) {
      const up = planExisting(ctx, service, live);
      if (up) running.push(up);
    } else {
      ctx.blockers.push({
        code: 'foreign_name_conflict',
        target: name,
        message:
          `container ${name}, needed by app "${service.name}" of deploy ${ctx.deployId}, already exists and ${ownerOf(ctx, live)}; ` +
          'nothing was changed and it was not touched. Remove or rename it by hand, or deploy with another --deploy-id.',
      });
    }
  }
  planRunning(ctx, running);
}

/** A current-generation container that matches the spec and is not stopped. */
interface Running {
  service: ServiceSpec;
  live: ContainerInfo;
}

/** Decides replace or start; returns the container when it is up (or trying to be) as specified. */
function planExisting(ctx: PlanContext, service: ServiceSpec, live: ContainerInfo): Running | undefined {
  const cmp = compareManaged(live, service, compareContext(ctx));
  const observed = observedOf(live);
  if (!cmp.equal) {
    addApp(ctx, service, live.name, {
      kind: 'replace',
      reason: cmp.imageChanged ? 'image_changed' : 'config_changed',
      detail: `${cmp.what}: will be recreated`,
      changes: cmp.changes,
      observed,
    });
    return undefined;
  }
  if (isStopped(live.state)) {
    addStateWarnings(ctx, live);
    addApp(ctx, service, live.name, {
      kind: 'start',
      reason: 'stopped',
      detail: `is ${live.state}: will be started`,
      observed,
    });
    return undefined;
  }
  return { service, live };
}

/** Running containers of the generation are done only once proven healthy (see healthGates). */
function planRunning(ctx: PlanContext, running: Running[]): void {
  const gates = healthGates(
    ctx.spec.project,
    ctx.deployId,
    ctx.observed,
    running.map((r) => r.live),
  );
  for (const { service, live } of running) {
    const observed = observedOf(live);
    const gate = gates.get(live);
    if (gate) {
      addApp(ctx, service, live.name, {
        kind: 'start',
        reason: gate,
        detail: gateDetail(gate, live),
        observed,
      });
    } else {
      addStateWarnings(ctx, live);
      addApp(ctx, service, live.name, { kind: 'noop', reason: 'up_to_date', detail: 'up to date', observed });
    }
  }
}

/** App containers of this generation whose service left the spec. Runs after `planCurrentApps`. */
export function planOrphans(ctx: PlanContext): void {
  for (const live of ctx.observed.containers) {
    if (
      ctx.claimed.has(live.id) ||
      !isOwned(live, ctx.spec.project, 'app') ||
      deployIdOf(live) !== ctx.deployId
    )
      continue;
    // A copy renamed aside by an interrupted replace is a leftover, not an orphan (plan-generations).
    if (isRenamedAside(live)) continue;
    claim(ctx, live);
    const service = live.labels[LABEL.service];
    const protection = protectionOf(live, ctx.spec);
    addAction(ctx, {
      kind: protection.protected ? 'noop' : 'remove',
      resource: 'container',
      role: 'app',
      name: live.name,
      service,
      deployId: ctx.deployId,
      reason: protection.protected ? 'protected_name' : 'orphan_app',
      detail: protection.protected
        ? `protected (${protection.why ?? ''}): never touched`
        : `service "${service ?? '?'}" is not in the spec: will be removed after the new generation is healthy`,
      protected: protection.protected,
      phase: 'retire',
      observed: observedOf(live),
    });
  }
}

function isCurrent(ctx: PlanContext, live: ContainerInfo, service: ServiceSpec): boolean {
  return (
    isOwned(live, ctx.spec.project, 'app') &&
    deployIdOf(live) === ctx.deployId &&
    live.labels[LABEL.service] === service.name
  );
}

function ownerOf(ctx: PlanContext, live: ContainerInfo): string {
  if (isUnmanaged(live)) return 'was not created by deployctl';
  if (projectOf(live) !== ctx.spec.project) return `belongs to project ${projectOf(live) ?? '?'}`;
  return `belongs to another deployctl container of this project (service ${live.labels[LABEL.service] ?? '?'}, deploy ${deployIdOf(live) ?? '?'})`;
}

function addApp(
  ctx: PlanContext,
  service: ServiceSpec,
  name: string,
  init: Pick<Parameters<typeof addAction>[1], 'kind' | 'reason' | 'detail' | 'changes' | 'observed'>,
): void {
  addAction(ctx, {
    ...init,
    resource: 'container',
    role: 'app',
    name,
    service: service.name,
    deployId: ctx.deployId,
    phase: 'deploy',
  });
}
