import type { ContainerInfo } from '../engine/port.js';
import { deployIdOf, isActive, isOwned, isRenamedAside } from './live.js';
import type { ObservedState } from './observed.js';

/**
 * Whether a running container has been seen healthy: its healthcheck says `healthy`, or it has
 * none and runs. A container that is `starting`, `unhealthy` or `restarting` may be what a
 * killed apply left while it waited on it; only the health gate can say it is done.
 */
export function isProven(c: ContainerInfo): boolean {
  return c.state === 'running' && (c.health === undefined || c.health === 'healthy');
}

/**
 * Whether generation `deployId` already serves on its own: no app container of another
 * generation of the project is running. An apply stops the previous generation only after the
 * new one was healthy, so such a generation was promoted once (or is the only one there is);
 * removing it on a failed health wait would leave nothing serving.
 */
export function servesAlone(project: string, deployId: string, observed: ObservedState): boolean {
  return !observed.containers.some(
    (c) =>
      isOwned(c, project, 'app') &&
      !isRenamedAside(c) &&
      deployIdOf(c) !== undefined &&
      deployIdOf(c) !== deployId &&
      isActive(c.state),
  );
}
