import type { StoredFile } from '../engine/port.js';
import type { ProjectStore } from '../revisions/store.js';
import { parseEventLines, type LifecycleEvent } from './event.js';
import type { EventSink } from './sink.js';

export const EVENTS_DIR = 'events';
/** A revision's event file keeps at most this many lines (a year of nightly backups fits). */
const MAX_LINES = 2000;
/**
 * Events reach the engine host at most this long after they happen. Each flush is one archive
 * write, which costs the engine a mount of the store container: during a deploy it competes
 * with the new generation's starts, so events are gathered for a second (`events --follow`
 * polls every second anyway). The run's end writes whatever is left at once.
 */
const FLUSH_DELAY_MS = 1000;

export interface RunEventsOptions {
  store: ProjectStore;
  project: string;
  revision: number;
  deployId: string;
  /** File name of this revision's slot in the store, e.g. `0007.jsonl`. */
  file: string;
  /** Lines already in that file that stay (a backup appends to the live revision's events). */
  keepLines?: string[];
  mask: (text: string) => string;
  now: () => number;
  /** Every event as it happens, e.g. appended to `--events-file`. */
  onEvent?: (event: LifecycleEvent, line: string) => void;
}

/**
 * The events of one run. Each is masked, handed to `onEvent` at once, and written to the store
 * on the engine host shortly after (batched: one whole-file write per flush). A kill -9 loses
 * at most the last moment's events, never the file: it is rewritten whole, and a reader skips a
 * torn line.
 */
export class RunEvents implements EventSink {
  readonly events: LifecycleEvent[] = [];
  private lines: string[];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  /** Set when a write failed: said once by the caller, the run goes on. */
  lastError: unknown;

  constructor(private readonly opts: RunEventsOptions) {
    this.lines = [...(opts.keepLines ?? [])];
  }

  emit(partial: Parameters<EventSink['emit']>[0]): void {
    const o = this.opts;
    const event = {
      v: 1,
      ts: new Date(o.now()).toISOString(),
      project: o.project,
      revision: o.revision,
      deploy_id: o.deployId,
      ...partial,
    } as LifecycleEvent;
    if (event.error) event.error = { code: event.error.code, message: o.mask(event.error.message) };
    const line = o.mask(JSON.stringify(event));
    this.events.push(parseEventLines(line)[0] ?? event);
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    o.onEvent?.(event, line);
    this.dirty = true;
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS).unref();
  }

  /** Writes what is pending; never throws (a failed write is kept in `lastError`). */
  flush(): Promise<void> {
    return this.writeWith([]).catch(() => undefined);
  }

  /**
   * Writes `files` (paths under the store's root) and the pending events in one archive write,
   * after any write under way: a run's start and end records go with its events, since each
   * write costs the engine a mount of the store container. Throws the write's error, also kept
   * in `lastError`; the events it carried are pending again, for a later flush.
   */
  writeWith(files: StoredFile[]): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const write = this.writing.then(async () => {
      const events = this.dirty
        ? [{ name: `${EVENTS_DIR}/${this.opts.file}`, content: `${this.lines.join('\n')}\n` }]
        : [];
      this.dirty = false;
      if (files.length + events.length === 0) return;
      try {
        await this.opts.store.write('', [...files, ...events]);
      } catch (err) {
        this.lastError = err;
        if (events.length > 0) this.dirty = true;
        throw err;
      }
    });
    this.writing = write.catch(() => undefined);
    return write;
  }
}

/** All events in the store, oldest first. */
export async function readEvents(store: ProjectStore): Promise<LifecycleEvent[]> {
  const files = await store.read(EVENTS_DIR);
  const all = files.flatMap((f) => parseEventLines(f.content.toString('utf8')));
  return all.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.revision - b.revision));
}
