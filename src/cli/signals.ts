import { EXIT } from './run-command.js';
import type { CliSession } from './session.js';

/**
 * Ctrl+C during a run that changes things: the first one asks the core to stop after the
 * current step (it rolls back and releases the lock, then exits 130); a second one exits at
 * once, saying the state may be half-way.
 */
export function interruptOnSigint(cli: CliSession): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      cli.note(
        'Interrupted: stopping after the current step and rolling back (Ctrl+C again to quit at once)…',
      );
      controller.abort();
      return;
    }
    cli.note(
      'Quit at once: the last step may be half-done and the lock may still be held. Run `deployctl plan` to see the state, `deployctl unlock` if needed.',
    );
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}
