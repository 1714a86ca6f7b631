import { isEngineError } from '../engine/engine-error.js';
import type { Engine } from '../engine/port.js';
import { formatDuration, type Clock } from '../util/clock.js';

/**
 * The holder's heartbeat: a small file in the never-started lock container whose content changes
 * at every renewal. Waiters judge it by whether it MOVES on their own clock, never by comparing
 * times written on another machine, so runners whose clocks differ still agree.
 */

/** The file, at the root of the lock container's own filesystem. */
export const LEASE_FILE = 'lease';

/** Schedules the renewals: an unref'd interval in the CLI, a fake clock's hooks in tests. */
export type Every = (ms: number, tick: () => void) => () => void;

/** Real timers that never keep the process alive once its command has ended. */
export const unrefInterval: Every = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export interface Lease {
  /** Aborted, with a reason saying why, once the lock is known to be no longer ours. */
  readonly lost: AbortSignal;
  /** Stops the renewals (before the lock is released, or once it is lost). */
  stop(): void;
}

export interface LeaseOptions {
  renewMs: number;
  /** Renewals failing for this long (engine unreachable) mean waiters may have taken over. */
  ttlMs: number;
  clock: Clock;
  every: Every;
}

/**
 * Renews the lease of lock container `id` every `renewMs`, by id: once the container is removed
 * (taken over, or `unlock --force`) the write fails with not_found and the lease is lost. A
 * renewal never overlaps the previous one and never throws: failures only count towards loss.
 */
export function startLease(engine: Engine, id: string, opts: LeaseOptions): Lease {
  const controller = new AbortController();
  let seq = 0;
  let busy = false;
  let lastOk = opts.clock.now();
  let cancel: (() => void) | undefined;

  const lose = (why: string): void => {
    stop();
    controller.abort(why);
  };
  const renew = (): void => {
    if (busy || controller.signal.aborted) return;
    busy = true;
    seq += 1;
    // Through a promise even if the port threw synchronously: a renewal must never crash the process.
    Promise.resolve()
      .then(() => engine.writeFiles(id, '/', [{ name: LEASE_FILE, content: `${seq}\n` }]))
      .then(
        () => {
          lastOk = opts.clock.now();
        },
        (err: unknown) => {
          if (cancel === undefined) return; // stopped meanwhile: the release removed it
          if (isEngineError(err, 'not_found')) {
            lose(
              'its lock container was removed: by `deployctl unlock --force`, or by a run that judged this one dead',
            );
          } else if (opts.clock.now() - lastOk >= opts.ttlMs) {
            lose(
              `its lease could not be renewed for ${formatDuration(opts.clock.now() - lastOk)}, so other runs may have judged it dead`,
            );
          }
        },
      )
      .finally(() => {
        busy = false;
      });
  };
  function stop(): void {
    cancel?.();
    cancel = undefined;
  }

  cancel = opts.every(opts.renewMs, renew);
  renew(); // the first beat at once: a waiter sees the lease start moving without delay
  return { lost: controller.signal, stop };
}

/** The lease's current content ('' when none was written yet); not_found when the lock is gone. */
export async function readLease(engine: Engine, id: string): Promise<string> {
  const files = await engine.readFiles(id, `/${LEASE_FILE}`);
  return files[0]?.content.toString() ?? '';
}
