import type { LifecycleEvent } from '../events/event.js';
import type { WebhookSpec } from '../spec/model.js';
import { slackText } from './format.js';
import { wantsEvent } from './match.js';

export interface DeliveryOptions {
  /** Per attempt. */
  timeoutMs: number;
  attempts: number;
  /** Backoff before attempt n (n >= 1): base * 2^(n-1). */
  backoffMs: number;
  /** Ctrl+C: stop retrying and give up at once. */
  signal?: AbortSignal;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_DELIVERY = { timeoutMs: 3000, attempts: 3, backoffMs: 500 } as const;

export interface DeliveryFailure {
  /** Index of the webhook in notify.webhooks: its URL is a credential and is never shown. */
  webhook: number;
  event: string;
  reason: string;
}

/**
 * POSTs `event` to every webhook that wants it. Best effort: a few attempts with a short
 * timeout and backoff; an idempotency key per event and webhook lets a receiver drop the
 * duplicate a retry after a lost answer sends. Never throws: failures are returned, so the
 * caller turns them into a warning and a `notify.failed` event, and the command's result and
 * exit code stay what they were.
 */
export async function deliverEvent(
  webhooks: WebhookSpec[],
  event: LifecycleEvent,
  opts: DeliveryOptions,
): Promise<DeliveryFailure[]> {
  const targets = webhooks.map((w, i) => ({ w, i })).filter(({ w }) => wantsEvent(w.events, event.event));
  const results: (DeliveryFailure | undefined)[] = await Promise.all(
    targets.map(async ({ w, i }) => {
      const reason = await deliverOne(
        w,
        event,
        `${event.project}-${event.revision}-${event.event}-${i}`,
        opts,
      );
      return reason === undefined ? undefined : { webhook: i, event: String(event.event), reason };
    }),
  );
  return results.filter((r): r is DeliveryFailure => r !== undefined);
}

async function deliverOne(
  w: WebhookSpec,
  event: LifecycleEvent,
  key: string,
  opts: DeliveryOptions,
): Promise<string | undefined> {
  const body = JSON.stringify(w.format === 'slack' ? { text: slackText(event) } : event);
  let last = 'not attempted';
  for (let n = 0; n < opts.attempts; n++) {
    if (opts.signal?.aborted) return `${last}; gave up on Ctrl+C`;
    if (n > 0) await opts.sleep(opts.backoffMs * 2 ** (n - 1), opts.signal);
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    try {
      const res = await fetch(w.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, 'user-agent': 'deployctl' },
        body,
        signal,
        redirect: 'error',
      });
      await res.body?.cancel();
      if (res.ok) return undefined;
      last = `HTTP ${res.status}`;
      // A client error will not heal by itself; a server error or throttling might.
      if (res.status < 500 && res.status !== 429 && res.status !== 408) return last;
    } catch (err) {
      last = timeout.aborted ? `no answer within ${opts.timeoutMs} ms` : describe(err);
    }
  }
  return `${last} after ${opts.attempts} attempt(s)`;
}

/** The cause without the URL: undici's messages do not carry it, but say so explicitly. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.name : 'request failed');
}
