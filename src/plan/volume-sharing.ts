import type { ContainerInfo } from '../engine/port.js';
import type { ServiceSpec } from '../spec/model.js';
import { isActive, isOwned } from './live.js';
import type { PlanContext } from './plan-context.js';

/**
 * An infra container that apply will create, start or replace must not come up on a named
 * volume that a running container outside the spec still uses: two Postgres servers on one
 * data directory corrupt it. That container is typically the old database after a
 * container_name change, or a legacy one deployctl never created. For a `database:` service
 * this blocks the apply; for other infra (a shared certificate volume may be deliberate) it is
 * a warning.
 */
export function planVolumeSharing(ctx: PlanContext): void {
  const described = describedNames(ctx);
  for (const action of ctx.actions) {
    if (action.role !== 'infra' || action.resource !== 'container') continue;
    if (action.kind !== 'create' && action.kind !== 'start' && action.kind !== 'replace') continue;
    const service = ctx.spec.infra.services.find((s) => s.name === action.service);
    if (!service) continue;
    for (const volume of namedVolumes(service)) {
      const users = ctx.observed.containers.filter(
        (c) =>
          c.volumeNames.includes(volume) &&
          isActive(c.state) &&
          c.id !== action.observed?.id &&
          !described.has(c.name) &&
          !isOwned(c, ctx.spec.project, 'app'),
      );
      for (const user of users) report(ctx, service, action.name, volume, user);
    }
  }
}

function report(
  ctx: PlanContext,
  service: ServiceSpec,
  name: string,
  volume: string,
  user: ContainerInfo,
): void {
  const what = `${name} (${service.name}) would use volume ${volume}, which running container ${user.name} uses too and the spec does not describe`;
  if (service.database) {
    ctx.blockers.push({
      code: 'volume_in_use',
      target: name,
      message:
        `${what}; two database servers on one data directory corrupt it, so apply refuses and nothing was changed. ` +
        `If ${user.name} is an old copy of this database, stop it by hand (\`docker stop ${user.name}\`) and apply again.`,
    });
  } else {
    ctx.warnings.push({
      code: 'volume_in_use',
      target: name,
      message: `${what}. If that is not deliberate, stop ${user.name} before applying.`,
    });
  }
}

/** Containers the spec describes: infra by container_name (apps are matched by label). */
function describedNames(ctx: PlanContext): Set<string> {
  return new Set(ctx.spec.infra.services.map((s) => s.containerName ?? s.name));
}

function namedVolumes(service: ServiceSpec): string[] {
  return service.mounts.flatMap((m) => (m.type === 'volume' ? [m.name] : []));
}
