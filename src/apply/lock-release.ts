import type { HeldLock } from './lock.js';
import type { IoHost } from '../io/io-host.js';

/**
 * Releases the project lock a command took, if it was taken at all. A release that fails (the
 * engine went away) is a warning: it must never replace how the command itself ended, least of
 * all a restore's result or the message naming its safety backup. The lease stops being renewed
 * either way, so the next run takes the lock over without a person.
 */
export async function releaseQuietly(
  lock: HeldLock | Promise<HeldLock> | undefined,
  io: IoHost,
  project: string,
): Promise<void> {
  const held = await Promise.resolve(lock).catch(() => undefined); // never taken: the run already said why
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
