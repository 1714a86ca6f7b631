import { eventCommand, parseEventLines, type LifecycleEvent, type TerminalOutcome } from '../events/event.js';
import { EVENTS_DIR, RunEvents } from '../events/run-events.js';
import { liveRevision } from './history.js';
import { DIR, endRecordFile, parseLedger, slotOf, startRecordFile } from './ledger.js';
import type { Revision, RevisionKind, RevisionService, RevisionWho } from './revision.js';
import type { ProjectStore } from './store.js';

export interface RecordOptions {
  store: ProjectStore;
  project: string;
  /** `backup` changes nothing deployed: it has events (on the live revision) but no revision. */
  kind: RevisionKind | 'backup';
  deployId: string;
  who: RevisionWho;
  /** `history.keep`. */
  keep: number;
  now: () => number;
  mask: (text: string) => string;
  summary?: string;
  previousDeployId?: string;
  specHash?: string;
  /** Every event as it happens (e.g. `--events-file`). */
  onEvent?: (event: LifecycleEvent, line: string) => void;
  /**
   * Called once the outcome is recorded, with the run's events: webhooks. Returns what could
   * not be delivered; each becomes a warning and a `notify.failed` event, nothing more.
   */
  deliver?: (events: LifecycleEvent[]) => Promise<{ webhook: number; event: string; reason: string }[]>;
  warn?: (code: string, text: string) => void;
}

/**
 * One recorded run of a changing command. `beginRun` is called once the project lock is held:
 * it numbers the revision, closes any earlier one a kill -9 left open (as `interrupted`, with
 * its terminal event, so every run has exactly one), writes the start record and emits
 * `<command>.started`. `finish` writes the end record and the terminal event.
 */
export class RecordedRun {
  private finished = false;

  constructor(
    readonly revision: Revision,
    readonly events: RunEvents,
    private readonly opts: RecordOptions,
  ) {}

  /** Records how the run ended. Never throws: the command's own outcome is what matters. */
  async finish(
    result: TerminalOutcome,
    extra: { services?: RevisionService[]; error?: { code: string; message: string }; summary?: string } = {},
  ): Promise<{ terminal: LifecycleEvent; failure?: unknown }> {
    const o = this.opts;
    this.finished = true;
    const started = Date.parse(this.revision.started_at);
    const end: Revision = {
      ...this.revision,
      result,
      ended_at: new Date(o.now()).toISOString(),
      ...(extra.services ? { services: extra.services } : {}),
      ...(extra.summary ? { summary: extra.summary } : {}),
      ...(extra.error ? { error: { code: extra.error.code, message: o.mask(extra.error.message) } } : {}),
    };
    this.events.emit({
      event: `${eventCommand(o.kind)}.${result}`,
      duration_ms: Math.max(0, o.now() - started),
      ...(end.error ? { error: end.error } : {}),
    });
    const terminal = this.events.events[this.events.events.length - 1]!;
    let failure: unknown;
    await this.events
      .writeWith(o.kind !== 'backup' ? [endRecordFile(end, o.keep)] : [])
      .catch((err: unknown) => (failure = err));
    failure ??= this.events.lastError;
    if (failure !== undefined) {
      o.warn?.(
        'DC_HISTORY_NOT_RECORDED',
        `could not record the end of revision ${end.number} on the engine host (${failure instanceof Error ? failure.message : 'unknown error'}); ` +
          'the command itself ended as reported. `deployctl history` will show this revision as interrupted.',
      );
    }
    await this.notify();
    return { terminal, failure };
  }

  private async notify(): Promise<void> {
    const o = this.opts;
    if (!o.deliver) return;
    const failures = await o.deliver([...this.events.events]);
    for (const f of failures) {
      o.warn?.(
        'DC_NOTIFY_FAILED',
        `webhook #${f.webhook + 1} of notify.webhooks did not take ${f.event}: ${f.reason}. The command's result is unchanged.`,
      );
      this.events.emit({
        event: 'notify.failed',
        error: { code: 'NOTIFY_FAILED', message: `webhook #${f.webhook + 1}: ${f.event}: ${f.reason}` },
      });
    }
    if (failures.length > 0) await this.events.flush();
  }

  get isFinished(): boolean {
    return this.finished;
  }
}

export async function beginRun(opts: RecordOptions): Promise<RecordedRun> {
  const files = await opts.store.read(DIR);
  const all = parseLedger(files, Number.MAX_SAFE_INTEGER);
  const endNumbers = new Set(
    files.filter((f) => f.name.endsWith('.end.json')).flatMap((f) => numberOf(f.content)),
  );
  for (const open of all.filter((r) => r.result === 'interrupted' && !endNumbers.has(r.number)).slice(0, 3)) {
    await closeInterrupted(opts, open);
  }
  const newest = all[0]?.number ?? 0;
  // A run that deploys nothing (restore-db, backup) concerns the generation live at the time.
  const deployId = opts.deployId || liveRevision(all)?.deploy_id || '-';
  // A backup's events join the revision live at the time; every other run is a new revision.
  const number = opts.kind === 'backup' ? newest : newest + 1;
  const revision: Revision = {
    v: 1,
    number,
    kind: opts.kind === 'backup' ? 'apply' : opts.kind,
    deploy_id: deployId,
    started_at: new Date(opts.now()).toISOString(),
    result: 'running',
    who: opts.who,
    services: [],
    ...(opts.previousDeployId ? { previous_deploy_id: opts.previousDeployId } : {}),
    ...(opts.specHash ? { spec_hash: opts.specHash } : {}),
    ...(opts.summary ? { summary: opts.summary } : {}),
  };
  const file = eventsFile(number, opts.keep);
  const keepLines =
    opts.kind === 'backup'
      ? (await opts.store.read(`${EVENTS_DIR}/${file}`))
          .flatMap((f) => f.content.toString('utf8').split('\n'))
          .filter((l) => parseEventLines(l)[0]?.revision === number)
      : [];
  const events = new RunEvents({
    store: opts.store,
    project: opts.project,
    revision: number,
    deployId,
    file,
    keepLines,
    mask: opts.mask,
    now: opts.now,
    onEvent: opts.onEvent,
  });
  events.emit({ event: `${eventCommand(opts.kind)}.started` });
  // Durable before any change: a run killed at once still shows its start in `history` and
  // `events`. The start record and the first event go in one archive write.
  if (opts.kind === 'backup') await events.flush();
  else await events.writeWith([startRecordFile(revision, opts.keep)]);
  return new RecordedRun(revision, events, opts);
}

export function eventsFile(revision: number, keep: number): string {
  return `${slotOf(revision, keep)}.jsonl`;
}

/** A run killed before its end record: closed for it, with its one terminal event. */
async function closeInterrupted(opts: RecordOptions, open: Revision): Promise<void> {
  const file = eventsFile(open.number, opts.keep);
  const existing = await opts.store.read(`${EVENTS_DIR}/${file}`);
  const lines = existing.flatMap((f) => f.content.toString('utf8').split('\n')).filter((l) => l.trim());
  const ownLines = lines.filter((l) => parseEventLines(l)[0]?.revision === open.number);
  const events = new RunEvents({
    store: opts.store,
    project: opts.project,
    revision: open.number,
    deployId: open.deploy_id,
    file,
    keepLines: ownLines,
    mask: opts.mask,
    now: opts.now,
  });
  const alreadyTerminal = parseEventLines(ownLines.join('\n')).some(
    (e) => e.event === `${eventCommand(open.kind)}.interrupted`,
  );
  if (!alreadyTerminal) events.emit({ event: `${eventCommand(open.kind)}.interrupted` });
  await events.writeWith([endRecordFile({ ...open, result: 'interrupted' }, opts.keep)]);
}

function numberOf(content: Buffer): number[] {
  try {
    const n = (JSON.parse(content.toString('utf8')) as { number?: unknown }).number;
    return typeof n === 'number' ? [n] : [];
  } catch {
    return [];
  }
}
