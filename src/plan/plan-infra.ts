import type { ContainerInfo } from '../engine/port.js';
import { LABEL } from '../engine/labels.js';
import type { ServiceSpec } from '../spec/model.js';
import { compareManaged, compareUnmanaged, type Comparison } from './compare.js';
import { isOwned, isRenamedAside, isStopped, isUnmanaged, observedOf, projectOf, roleOf } from './live.js';
import {
  addAction,
  addRenamedAsideWarning,
  addStateWarnings,
  claim,
  compareContext,
  containerNamed,
  unclaimed,
  type PlanContext,
} from './plan-context.js';

/**
 * Infra containers, found by their fixed container_name. They are created when missing and
 * started when stopped; a difference from the spec is only reported (`drift`) unless --replace
 * names the service. Whatever this project created as infra and the spec no longer names stays
 * listed and untouched.
 */
export function planInfraContainers(ctx: PlanContext): void {
  for (const service of ctx.spec.infra.services) {
    const name = service.containerName ?? service.name;
    const live = containerNamed(ctx, name);
    if (!live) {
      addInfra(ctx, service, name, {
        kind: 'create',
        reason: 'missing',
        detail: 'does not exist: will be created',
      });
      continue;
    }
    claim(ctx, live);
    if (isOwned(live, ctx.spec.project, 'infra')) planManaged(ctx, service, live);
    else if (isUnmanaged(live)) planUnmanaged(ctx, service, live);
    else {
      const owner =
        projectOf(live) === ctx.spec.project
          ? `this project's ${roleOf(live) ?? 'unlabelled'} container`
          : `project ${projectOf(live) ?? '?'}`;
      ctx.blockers.push({
        code: 'foreign_name_conflict',
        target: name,
        message:
          `container ${name}, the container_name of infra service "${service.name}", already exists and belongs to ${owner}; ` +
          'nothing was changed and it was not touched. Rename or remove that container by hand, or choose another container_name.',
      });
    }
  }
  planLeftInfra(ctx);
}

function planManaged(ctx: PlanContext, service: ServiceSpec, live: ContainerInfo): void {
  const cmp = compareManaged(live, service, compareContext(ctx));
  if (ctx.replace.has(service.name)) return addReplace(ctx, service, live, cmp);
  addStateWarnings(ctx, live);
  if (!cmp.equal) {
    addInfra(ctx, service, live.name, {
      kind: 'drift',
      reason: cmp.imageChanged ? 'image_changed' : 'config_changed',
      detail: `differs from the spec (${cmp.what}): not applied, it is protected; recreate it with --replace ${service.name}`,
      changes: cmp.changes,
      observed: observedOf(live),
    });
  }
  if (isStopped(live.state)) {
    addInfra(ctx, service, live.name, {
      kind: 'start',
      reason: 'stopped',
      detail: `is ${live.state}: will be started`,
      observed: observedOf(live),
    });
  } else if (cmp.equal) {
    addInfra(ctx, service, live.name, {
      kind: 'noop',
      reason: 'up_to_date',
      detail: describeUpToDate(live),
      observed: observedOf(live),
    });
  }
}

/** Created outside deployctl (by hand, by Compose): used as it is, since there is no definition to compare. */
function planUnmanaged(ctx: PlanContext, service: ServiceSpec, live: ContainerInfo): void {
  const cmp = compareUnmanaged(live, service, compareContext(ctx));
  if (ctx.replace.has(service.name)) return addReplace(ctx, service, live, cmp);
  addStateWarnings(ctx, live);
  const observed = observedOf(live);
  if (!cmp.equal) {
    addInfra(ctx, service, live.name, {
      kind: 'drift',
      reason: 'image_changed',
      detail: `created outside deployctl and ${cmp.what}: not applied, it is protected; recreate it with --replace ${service.name}`,
      changes: cmp.changes,
      observed,
    });
  } else if (!isStopped(live.state)) {
    addInfra(ctx, service, live.name, {
      kind: 'noop',
      reason: 'unmanaged_infra',
      detail: "created outside deployctl: used as-is; its settings can't be compared",
      observed,
    });
  }
  if (isStopped(live.state)) {
    addInfra(ctx, service, live.name, {
      kind: 'start',
      reason: 'stopped',
      detail: `created outside deployctl and ${live.state}: will be started as it is`,
      observed,
    });
  }
}

function addReplace(ctx: PlanContext, service: ServiceSpec, live: ContainerInfo, cmp: Comparison): void {
  addInfra(ctx, service, live.name, {
    kind: 'replace',
    reason: cmp.equal ? 'replace_requested' : cmp.imageChanged ? 'image_changed' : 'config_changed',
    detail: cmp.equal
      ? `--replace ${service.name}: will be recreated from the spec, on the same volumes`
      : `--replace ${service.name}: will be recreated (${cmp.what}), on the same volumes`,
    changes: cmp.changes,
    observed: observedOf(live),
  });
}

/** Infra this project created that the spec no longer names, and copies left aside by an interrupted replace. */
function planLeftInfra(ctx: PlanContext): void {
  for (const live of unclaimed(ctx)) {
    if (!isOwned(live, ctx.spec.project, 'infra')) continue;
    claim(ctx, live);
    const aside = isRenamedAside(live);
    addAction(ctx, {
      kind: 'noop',
      resource: 'container',
      role: 'infra',
      name: live.name,
      service: live.labels[LABEL.service],
      reason: 'removed_from_spec',
      detail: aside
        ? 'renamed aside by an interrupted replace — protected, check it and remove it by hand'
        : 'no longer in spec — protected, remove it by hand',
      protected: true,
      phase: 'infra',
      observed: observedOf(live),
    });
    if (aside) addRenamedAsideWarning(ctx, live.name);
  }
}

function describeUpToDate(live: ContainerInfo): string {
  return live.state === 'running' ? 'up to date' : `up to date (${live.state})`;
}

function addInfra(
  ctx: PlanContext,
  service: ServiceSpec,
  name: string,
  init: Pick<Parameters<typeof addAction>[1], 'kind' | 'reason' | 'detail' | 'changes' | 'observed'>,
): void {
  addAction(ctx, {
    ...init,
    resource: 'container',
    role: 'infra',
    name,
    service: service.name,
    protected: true,
    phase: 'infra',
  });
}
