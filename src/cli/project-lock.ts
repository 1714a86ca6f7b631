import type { HeldLock, LockHolder, LockSettings } from '../apply/lock.js';
import type { Engine } from '../engine/port.js';
import { DeployctlError } from '../errors.js';
import type { IoHost } from '../io/io-host.js';
import type { Spec } from '../spec/model.js';
import { probeLocalHolder, selfIdentity } from './local-process.js';
import type { CliSession } from './session.js';

/**
 * What apply, backup, restore-db and unlock share about the per-project lock: `--lock-timeout`,
 * the lease settings (DEPLOYCTL_LOCK_TTL, DEPLOYCTL_LOCK_RENEW), who this run is, and how a
 * holder on this machine is judged.
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

/**
 * The lease settings: a lease that stands still for DEPLOYCTL_LOCK_TTL (default 15s) marks a
 * dead holder; a holder renews it every DEPLOYCTL_LOCK_RENEW (default 2s).
 */
export async function lockSettings(cli: CliSession): Promise<Partial<LockSettings>> {
  const env = cli.term.env;
  const settings: Partial<LockSettings> = { probe: probeLocalHolder };
  if (env.DEPLOYCTL_LOCK_TTL) settings.ttlMs = await positive('DEPLOYCTL_LOCK_TTL', env.DEPLOYCTL_LOCK_TTL);
  if (env.DEPLOYCTL_LOCK_RENEW)
    settings.renewMs = await positive('DEPLOYCTL_LOCK_RENEW', env.DEPLOYCTL_LOCK_RENEW);
  return settings;
}

/** This run as the lock names it: host, pid and what proves that pid is this very process. */
export function lockHolder(command: string, deployId: string): LockHolder {
  return { ...selfIdentity(), deployId, command, since: new Date().toISOString() };
}

/** The project lock apply takes too, so a backup or restore never interleaves with a deploy. */
export async function takeLock(
  cli: CliSession,
  engine: Engine,
  spec: Spec,
  io: IoHost,
  command: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HeldLock> {
  const [{ acquireLock }, { systemClock }, settings] = await Promise.all([
    import('../apply/lock.js'),
    import('../util/clock.js'),
    lockSettings(cli),
  ]);
  return acquireLock(engine, spec.project, lockHolder(command, '-'), {
    timeoutMs,
    clock: systemClock,
    signal,
    settings,
    notify: (msg) => io.notify(msg),
  });
}

async function positive(name: string, value: string): Promise<number> {
  const ms = await durationFlag(name, value);
  if (ms > 0) return ms;
  throw new DeployctlError('BAD_ARGUMENT', `${name} must be longer than 0s; nothing was changed.`);
}
