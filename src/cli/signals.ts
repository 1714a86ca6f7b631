import { EXIT } from './run-command.js';
import type { CliSession } from './session.js';

/** What the two Ctrl+C say: the first stops safely, the second quits at once. */
export interface InterruptWords {
  first: string;
  /** Said as the process quits; asked for then, so it can describe the state at that moment. */
  quit: () => string;
}

const DEFAULT_WORDS: InterruptWords = {
  first: 'Interrupted: stopping after the current step and rolling back (Ctrl+C again to quit at once)…',
  quit: () =>
    'Quit at once: the last step may be half-done and the lock may still be held. Run `deployctl plan` to see the state, `deployctl unlock` if needed.',
};

/**
 * Ctrl+C (or SIGTERM) during a run that changes things: the first one asks the core to stop
 * after the current step (it rolls back and releases the lock, then exits 130); a second one
 * exits at once, saying what state it may leave.
 */
export function interruptOnSigint(
  cli: CliSession,
  words: InterruptWords = DEFAULT_WORDS,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      cli.note(words.first);
      controller.abort();
      return;
    }
    cli.note(words.quit());
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
