import type { HeldLock } from '../apply/lock.js';
import type { IoHost } from '../io/io-host.js';

/**
 * Releases the project lock a backup or restore took, if it was taken at all. A release that
 * fails (the engine went away) is a warning: it must never replace how the command itself
 * ended, least of all a restore's result or the message naming its safety backup.
 */
export async function releaseQuietly(
  lock: Promise<HeldLock> | undefined,
  io: IoHost,
  project: string,
): Promise<void> {
  const held = await lock?.catch(() => undefined); // never taken: the run already said why
  await held?.release().catch((err: unknown) => {
    io.notify({
      level: 'warn',
      code: 'DC_LOCK_NOT_RELEASED',
      text:
        `could not release the lock of ${project} (${err instanceof Error ? err.message : String(err)}); ` +
        'the next run takes it over once its lease stands still, or run `deployctl unlock` once the engine answers.',
    });
  });
}
