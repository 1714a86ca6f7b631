import type { ContainerInfo } from '../engine/port.js';
import type { ServiceSpec } from '../spec/model.js';
import { isActive, isOwned } from './live.js';
import type { PlanContext } from './plan-context.js';

/**
 * An infra container that apply will create, start or replace must not come up on a named
 * volume that a running container outside the spec still uses: two Postgres servers on one
 * data directory corrupt it, and any two copies of a stateful service (a proxy renewing the
 * same certificates, a cache writing the same files) fight over the files they keep there.
 * That container is typically the old copy after a container_name change, or a legacy one
 * deployctl never created. It blocks the apply for every infra service: protected data is at
 * stake, and a sharing that is deliberate is one the spec can describe.
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
  const risk = service.database
    ? 'two database servers on one data directory corrupt it'
    : 'two copies of a service writing the same files can corrupt what it keeps there';
  ctx.blockers.push({
    code: 'volume_in_use',
    target: name,
    message:
      `${name} (${service.name}) would use volume ${volume}, which running container ${user.name} uses too and the spec does not describe; ` +
      `${risk}, so apply refuses and nothing was changed. ` +
      `If ${user.name} is an old copy of this service, stop it by hand (\`docker stop ${user.name}\`) and apply again.`,
  });
}

/** Containers the spec describes: infra by container_name (apps are matched by label). */
function describedNames(ctx: PlanContext): Set<string> {
  return new Set(ctx.spec.infra.services.map((s) => s.containerName ?? s.name));
}

function namedVolumes(service: ServiceSpec): string[] {
  return service.mounts.flatMap((m) => (m.type === 'volume' ? [m.name] : []));
}
