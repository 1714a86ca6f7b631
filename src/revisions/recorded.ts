import { DeployctlError } from '../errors.js';
import type { TerminalOutcome } from '../events/event.js';
import type { EventSink } from '../events/sink.js';
import type { RecordedRun } from './record-run.js';
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
  opts: { locked?: Promise<unknown> } = {},
): Promise<T> {
  let run: RecordedRun | undefined;
  let settled = false;
  let beginning: Promise<RecordedRun | undefined> | undefined;
  let began = false;
  if (recorder && opts.locked) {
    // The body takes the lock itself and changes nothing before it has it: the run is recorded
    // from the moment the lock is held, and not at all if the body ends before that.
    beginning = opts.locked.then(
      () => {
        if (settled) return undefined;
        began = true;
        return recorder.begin(init);
      },
      () => undefined,
    );
  } else {
    run = await recorder?.begin(init);
  }
  let value: T;
  try {
    value = await body(run?.events);
    settled = true;
    run ??= await beginning;
  } catch (err) {
    settled = true;
    // A recording that began (the lock came before the failure) is finished; otherwise there is
    // none, and the lock, if it is still coming, is not waited for.
    if (began) run ??= await beginning;
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
