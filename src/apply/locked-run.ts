import { acquireLock, type LockHolder, type LockSettings } from './lock.js';
import { lockLostOr, runSignal } from './lock-lost.js';
import { releaseQuietly } from './lock-release.js';
import type { ApplyDeps } from './run-state.js';

/** What taking and watching the lock needs of a command's dependencies. */
export type LockDeps = Pick<ApplyDeps, 'engine' | 'io' | 'clock' | 'signal'>;

/** What every command that changes a project says about its lock. */
export interface LockOptions {
  holder: LockHolder;
  lockTimeoutMs: number;
  /** TTL, renewal interval and the local process probe of the lock (defaults otherwise). */
  lock?: Partial<LockSettings>;
}

/**
 * Runs `body` under the project lock: taken first (waiting up to the timeout), released however
 * the body ends. Losing the lock meanwhile stops the body as Ctrl+C would, and the run ends as
 * LOCK_LOST; a failed release is a warning that never replaces the body's own outcome.
 */
export async function underProjectLock<T, D extends LockDeps>(
  what: { project: string; command: string },
  opts: LockOptions,
  deps: D,
  body: (locked: D) => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(deps.engine, what.project, opts.holder, {
    timeoutMs: opts.lockTimeoutMs,
    clock: deps.clock,
    signal: deps.signal,
    settings: opts.lock,
    notify: (msg) => deps.io.notify(msg),
  });
  try {
    return await body({ ...deps, signal: runSignal(deps.signal, lock.lost) });
  } catch (err) {
    throw lockLostOr(err, lock.lost, deps.signal, what);
  } finally {
    await releaseQuietly(lock, deps.io, what.project);
  }
}
