import type { ContainerInfo } from '../engine/port.js';
import type { ReasonCode } from './actions.js';
import { deployIdOf, isActive, isOwned, isRenamedAside } from './live.js';
import type { ObservedState } from './observed.js';

/**
 * Whether a running container has been seen healthy: its healthcheck says `healthy`, or it has
 * none and runs, or the engine has not run its first check yet (`starting`) but apply's gate ran
 * the same check in it and recorded the pass (`healthProbed`). A container that is `starting`
 * without that record, `unhealthy` or `restarting` may be what a killed apply left while it
 * waited on it; only the health gate can say it is done.
 */
export function isProven(c: Pick<ContainerInfo, 'state' | 'health' | 'healthProbed'>): boolean {
  return (
    c.state === 'running' &&
    (c.health === undefined || c.health === 'healthy' || (c.health === 'starting' && c.healthProbed === true))
  );
}

/** How a running container of the generation being deployed is gated, and undone on failure. */
export type HealthGate = Extract<ReasonCode, 'unproven' | 'unproven_kept' | 'serving_unproven'>;

/**
 * The gate each running container of generation `deployId` needs; none when the generation is
 * proven. A generation a killed apply left running unproven is gated as a whole, as the first
 * run would have: every running container of it, healthy ones included, is waited on and undone
 * with the rest if any fails. Undone means removed when that run created it (`unproven`: it is
 * the newest generation), stopped again when it brought a kept generation back (`unproven_kept`:
 * a newer generation exists). A generation that already serves alone was promoted once: only
 * its unproven containers are waited on, and a failure never removes it (`serving_unproven`).
 */
export function healthGates(
  project: string,
  deployId: string,
  observed: ObservedState,
  running: ContainerInfo[],
): Map<ContainerInfo, HealthGate> {
  const gates = new Map<ContainerInfo, HealthGate>();
  const candidates = running.filter((c) => c.state !== 'paused'); // left paused, as always
  if (candidates.every(isProven)) return gates;
  const others = otherGenerations(project, deployId, observed);
  if (!others.some((c) => isActive(c.state))) {
    for (const c of candidates) if (!isProven(c)) gates.set(c, 'serving_unproven');
    return gates;
  }
  const mine = observed.containers.filter(
    (c) => isOwned(c, project, 'app') && !isRenamedAside(c) && deployIdOf(c) === deployId,
  );
  const newest = Math.max(...mine.map((c) => c.createdAt));
  const kept = others.some((c) => c.createdAt > newest);
  for (const c of candidates) gates.set(c, kept ? 'unproven_kept' : 'unproven');
  return gates;
}

/** The plan's sentence for a gated container. */
export function gateDetail(gate: HealthGate, c: ContainerInfo): string {
  const what = c.health !== undefined ? `health "${c.health}"` : `state "${c.state}"`;
  if (gate === 'serving_unproven')
    return `serves alone but is not healthy (${what}): apply waits for it and fails if it does not recover, never removing it`;
  const undo = gate === 'unproven' ? 'removes the generation' : 'stops this kept generation again';
  return isProven(c)
    ? `runs, but its generation was never proven healthy as a whole: apply waits for it again, and ${undo} if any part fails`
    : `runs but was never proven healthy (${what}): apply waits for it, and ${undo} if it fails`;
}

/** Whether an action only waits on a running container (`start` with a health-gate reason). */
export function isHealthGate(reason: ReasonCode): reason is HealthGate {
  return reason === 'unproven' || reason === 'unproven_kept' || reason === 'serving_unproven';
}

/** App containers of the project's other generations (renamed-aside copies are leftovers). */
function otherGenerations(project: string, deployId: string, observed: ObservedState): ContainerInfo[] {
  return observed.containers.filter(
    (c) =>
      isOwned(c, project, 'app') &&
      !isRenamedAside(c) &&
      deployIdOf(c) !== undefined &&
      deployIdOf(c) !== deployId,
  );
}
