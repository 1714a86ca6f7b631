import type { Engine } from '../engine/port.js';
import { InterruptedError } from '../errors.js';
import type { Clock } from '../util/clock.js';
import type { LockHolder } from './lock-holder.js';
import { judgeHolder, LeaseWatch } from './lock-liveness.js';
import { DEFAULT_LOCK_SETTINGS, lookAtLock, removeSeen, WATCH_POLL_MS, type LockSettings } from './lock.js';

export type UnlockOutcome =
  | { status: 'not_locked' }
  /** Removed: its holder was judged dead (the reason), or `force` was given. */
  | { status: 'released'; holder: LockHolder; reason: string }
  /** Left in place: its holder is alive, or nothing proves it dead. */
  | { status: 'refused'; holder: LockHolder; reason: string }
  /** The lock judged went away before it could be removed; whatever holds the name now was not touched. */
  | { status: 'gone'; holder: LockHolder };

export interface UnlockOptions {
  force: boolean;
  clock: Clock;
  settings?: Partial<LockSettings>;
  signal?: AbortSignal;
  /** Called once when the lease must be watched before judging (up to `ms`). */
  onWatch?: (holder: LockHolder, ms: number) => void;
}

/**
 * `deployctl unlock`: releases the project's lock when its holder is provably dead (or with
 * `force`), judged as a waiting run would judge it. It removes the lock container it judged, by
 * id: a lock someone else took after it looked is never removed.
 */
export async function unlockProject(
  engine: Engine,
  project: string,
  opts: UnlockOptions,
): Promise<UnlockOutcome> {
  const settings = { ...DEFAULT_LOCK_SETTINGS, ...opts.settings };
  const watch = new LeaseWatch();
  let told = false;
  for (;;) {
    const seen = await lookAtLock(engine, project);
    if (!seen || seen === 'foreign') return { status: 'not_locked' };
    const now = opts.clock.now();
    watch.observe(seen.id, seen.lease, now);
    const verdict = opts.force
      ? { kind: 'dead' as const, reason: 'released with --force' }
      : judgeHolder(seen.holder, watch, now, settings.ttlMs, settings.probe);
    switch (verdict.kind) {
      case 'dead':
        return (await removeSeen(engine, seen))
          ? { status: 'released', holder: seen.holder, reason: verdict.reason }
          : { status: 'gone', holder: seen.holder };
      case 'live':
      case 'unknown':
        return { status: 'refused', holder: seen.holder, reason: verdict.reason };
      case 'watching':
        if (opts.signal?.aborted)
          throw new InterruptedError(
            `interrupted while watching the lease of the lock of ${project}; the lock was not released.`,
          );
        if (!told) opts.onWatch?.(seen.holder, verdict.untilMs);
        told = true;
        await opts.clock.sleep(Math.min(WATCH_POLL_MS, verdict.untilMs), opts.signal);
    }
  }
}
