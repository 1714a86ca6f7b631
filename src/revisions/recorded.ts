import { DeployctlError } from '../errors.js';
import type { TerminalOutcome } from '../events/event.js';
import type { EventSink } from '../events/sink.js';
import type { Recorder, RunInit } from './recorder.js';
import type { RevisionService } from './revision.js';

/**
 * Runs `body` as one recorded run: a revision and its events when a recorder is given, the
 * body alone otherwise. The outcome is recorded however the body ends; recording never changes
 * the body's result or error.
 */
export async function recorded<T>(
  recorder: Recorder | undefined,
  init: RunInit,
  body: (events: EventSink | undefined) => Promise<T>,
  servicesOf: (value: T) => Promise<RevisionService[]>,
): Promise<T> {
  const run = await recorder?.begin(init);
  let value: T;
  try {
    value = await body(run?.events);
  } catch (err) {
    if (run) {
      const e = err instanceof DeployctlError ? err : undefined;
      await run.finish(outcomeOf(err), {
        error: { code: e?.code ?? 'INTERNAL', message: err instanceof Error ? err.message : String(err) },
      });
    }
    throw err;
  }
  if (run) {
    const services = await servicesOf(value).catch(() => undefined);
    await run.finish('succeeded', services ? { services } : {});
  }
  return value;
}

/** How a failed run reads in the ledger: Ctrl+C, a rolled-back new generation, or a failure. */
export function outcomeOf(err: unknown): TerminalOutcome {
  if (err instanceof DeployctlError && err.code === 'INTERRUPTED') return 'interrupted';
  if (err instanceof DeployctlError && err.data?.rolled_back === true) return 'rolled_back';
  return 'failed';
}
