import type { Engine } from '../engine/port.js';
import type { IoHost } from '../io/io-host.js';
import type { Clock } from '../util/clock.js';

/** The ports backup and restore-db run through. */
export interface DbDeps {
  engine: Engine;
  io: IoHost;
  clock: Clock;
  /** Aborted on Ctrl+C. */
  signal?: AbortSignal;
  /**
   * Called after every few MiB streamed. Node gives every chunk a fresh buffer and V8 frees
   * them only once tens of MB of garbage have piled up; a host that can collect sooner (the
   * CLI runs a GC) keeps the peak near the baseline. Memory stays bounded without it.
   */
  reclaim?: () => void;
}

export const RECLAIM_EVERY = 4 * 1024 * 1024;

/** A byte counter that calls `deps.reclaim` every RECLAIM_EVERY bytes. */
export function reclaimer(deps: Pick<DbDeps, 'reclaim'>): (bytes: number) => void {
  const { reclaim } = deps;
  if (!reclaim) return () => undefined;
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < RECLAIM_EVERY) return;
    since = 0;
    reclaim();
  };
}

/**
 * Runs one stage of a longer job. `deployctl backup` shows each stage as a step of its own;
 * restore-db's safety backup runs the same stages as detail lines of one step. The returned
 * text is the stage's outcome.
 */
export type Stage = (
  title: string,
  run: (update: (text: string) => void) => Promise<string>,
) => Promise<void>;

/** Calls `update` at most every `everyMs`: progress lines, not one per chunk. */
export function throttled(
  update: (text: string) => void,
  clock: Clock,
  everyMs = 500,
): (text: string) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (text) => {
    const now = clock.now();
    if (now - last < everyMs) return;
    last = now;
    update(text);
  };
}
