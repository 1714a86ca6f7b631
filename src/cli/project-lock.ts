import type { HeldLock, LockHolder } from '../apply/lock.js';
import type { Engine } from '../engine/port.js';
import { DeployctlError } from '../errors.js';
import type { Spec } from '../spec/model.js';
import type { CliSession } from './session.js';

/**
 * What apply, backup and restore-db share about the per-project lock: reading `--lock-timeout`
 * and telling a stale holder (a run on this host whose pid is gone) from a live one.
 */

/** `--lock-timeout` (or any duration flag) as milliseconds; BAD_ARGUMENT when it is not one. */
export async function durationFlag(flag: string, value: string): Promise<number> {
  const { parseDuration } = await import('../spec/duration.js');
  const ms = parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    throw new DeployctlError(
      'BAD_ARGUMENT',
      `${flag} "${value}" is not a duration; nothing was changed. Use forms like 30s, 5m or 1m30s.`,
    );
  }
  return ms;
}

/** A holder is stale when it ran on this host and its process is gone (named so in LOCK_HELD). */
export function staleOnThisHost(cli: CliSession): (holder: LockHolder) => boolean {
  const host = cli.holder('', '').host;
  return (h) => h.host === host && !pidAlive(h.pid);
}

/** The project lock apply takes too, so a backup or restore never interleaves with a deploy. */
export async function takeLock(
  cli: CliSession,
  engine: Engine,
  spec: Spec,
  command: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HeldLock> {
  const [{ acquireLock }, { systemClock }] = await Promise.all([
    import('../apply/lock.js'),
    import('../util/clock.js'),
  ]);
  return acquireLock(engine, spec.project, cli.holder(command, '-'), {
    timeoutMs,
    clock: systemClock,
    signal,
    isStale: staleOnThisHost(cli),
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
