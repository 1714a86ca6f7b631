import { asDeployctlError, DeployctlError } from '../errors.js';
import type { HeldLock } from './lock.js';

/**
 * A run whose lock was taken over (its lease judged dead) or force-released stops, as a killed
 * run would, so two runs never change one project at once: its AbortSignal fires as for Ctrl+C,
 * and its error becomes LOCK_LOST. Ctrl+C itself stays INTERRUPTED (exit 130).
 */

/** The signal a run under the lock watches: the user's Ctrl+C, or the loss of the lock. */
export function runSignal(user: AbortSignal | undefined, lost: AbortSignal): AbortSignal {
  return user ? AbortSignal.any([user, lost]) : lost;
}

/** The `lost` signal of a lock still being taken: fires once it is taken and then lost. */
export function lostOnceTaken(locking: Promise<HeldLock>): AbortSignal {
  const controller = new AbortController();
  locking.then(
    (lock) => {
      const forward = (): void => controller.abort(lock.lost.reason);
      if (lock.lost.aborted) forward();
      else lock.lost.addEventListener('abort', forward, { once: true });
    },
    () => undefined, // not taken: nothing to lose (the caller reports why)
  );
  return controller.signal;
}

/**
 * `err` as the run's outcome: LOCK_LOST when the lock was lost (and the user did not press
 * Ctrl+C), keeping what the run's own error says it did or undid; `err` unchanged otherwise.
 */
export function lockLostOr(
  err: unknown,
  lost: AbortSignal,
  user: AbortSignal | undefined,
  what: { project: string; command: string },
): unknown {
  if (!lost.aborted || user?.aborted) return err;
  const inner = asDeployctlError(err);
  return new DeployctlError(
    'LOCK_LOST',
    `${what.command} lost the lock of project ${what.project} while it ran: ${String(lost.reason)}. ` +
      'It stopped as a killed run would, so that two runs never change the project at once; run the same command again once the other run is done (a re-run picks up where this one stopped). ' +
      `What this run did before stopping: ${inner.message}`,
    { cause: err, data: inner.data },
  );
}
