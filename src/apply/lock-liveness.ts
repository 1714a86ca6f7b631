import { formatDuration } from '../util/clock.js';
import type { LockHolder } from './lock-holder.js';

/**
 * Whether a lock's holder still runs, as a waiter (another apply, backup, `unlock`) can prove it.
 * Dead means provably dead: the holder's process is gone from this very machine, or its lease
 * did not move for a whole TTL as watched on the waiter's own clock. Anything else is alive, or
 * not known yet (keep watching).
 */

/** What the OS says of a holder: gone (and why), alive, or undefined when it is not ours to ask. */
export type LocalVerdict = { gone: string } | { alive: true } | undefined;
/** Asks the OS about a holder's process; injected, because only the CLI may touch the process. */
export type LocalProbe = (holder: LockHolder) => LocalVerdict;

export type Verdict =
  | { kind: 'dead'; reason: string }
  | { kind: 'live'; reason: string }
  /** A lease not seen to move yet, within its TTL: look again shortly. */
  | { kind: 'watching'; untilMs: number }
  /** No lease (an older deployctl) on another machine: only a person can tell. */
  | { kind: 'unknown'; reason: string };

/** What one waiter has seen of a lock's lease, on its own clock. A new lock container starts over. */
export class LeaseWatch {
  private id: string | undefined;
  private content = '';
  private lastMove = 0;
  /** The lease changed while watched: its holder renewed it. */
  moved = false;

  observe(id: string, content: string, now: number): void {
    if (id !== this.id) {
      this.id = id;
      this.content = content;
      this.lastMove = now;
      this.moved = false;
    } else if (content !== this.content) {
      this.content = content;
      this.lastMove = now;
      this.moved = true;
    }
  }

  /** How long the lease has stood still, as far as this waiter knows. */
  stillFor(now: number): number {
    return now - this.lastMove;
  }
}

/** A TTL never shorter than two of the holder's own renewals, whatever a waiter was told. */
export function effectiveTtl(ttlMs: number, holder: LockHolder): number {
  return Math.max(ttlMs, 2 * (holder.renewMs ?? 0));
}

/** Judges `holder` from what the OS and the watched lease say, at waiter time `now`. */
export function judgeHolder(
  holder: LockHolder,
  watch: LeaseWatch,
  now: number,
  ttlMs: number,
  probe: LocalProbe | undefined,
): Verdict {
  const local = probe?.(holder);
  if (local && 'gone' in local) return { kind: 'dead', reason: local.gone };
  if (holder.renewMs !== undefined) {
    const ttl = effectiveTtl(ttlMs, holder);
    const still = watch.stillFor(now);
    if (still >= ttl) {
      return {
        kind: 'dead',
        reason: `its lease did not move for ${formatDuration(still)} while watched (TTL ${formatDuration(ttl)})`,
      };
    }
    if (watch.moved) return { kind: 'live', reason: 'its lease is being renewed' };
    if (!local) return { kind: 'watching', untilMs: ttl - still };
  }
  if (local) return { kind: 'live', reason: 'its process still runs on this host' };
  return {
    kind: 'unknown',
    reason:
      'it keeps no lease (a deployctl older than leases) and runs on another host, so whether it still runs cannot be told from here',
  };
}
