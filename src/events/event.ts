/**
 * Lifecycle events (SPEC.md "Lifecycle events"): JSON Lines, one object per event, secrets
 * masked. Container states follow a worker's life: created, ready (healthy), terminating,
 * terminated, cleaned_up. Every run of a changing command emits `<command>.started` and exactly
 * one terminal event.
 */
export type EventCommand = 'apply' | 'rollback' | 'recover' | 'restore_db' | 'backup' | 'down';

export type TerminalOutcome = 'succeeded' | 'failed' | 'rolled_back' | 'interrupted';

export type ContainerEventName =
  | 'container.created'
  | 'container.ready'
  | 'container.terminating'
  | 'container.terminated'
  | 'container.cleaned_up';

export type EventName =
  ContainerEventName | `${EventCommand}.started` | `${EventCommand}.${TerminalOutcome}` | 'notify.failed';

export interface LifecycleEvent {
  v: 1;
  /** UTC ISO-8601. */
  ts: string;
  event: EventName;
  project: string;
  /** The revision the event belongs to (for a backup: the revision live at the time). */
  revision: number;
  deploy_id: string;
  service?: string;
  container?: string;
  duration_ms?: number;
  error?: { code: string; message: string };
}

const TERMINAL = /\.(succeeded|failed|rolled_back|interrupted)$/;

export function isTerminal(event: string): boolean {
  return TERMINAL.test(event) && !event.startsWith('container.') && !event.startsWith('notify.');
}

/** `restore-db` (the command and revision kind) is `restore_db` in event names. */
export function eventCommand(kind: string): EventCommand {
  return kind.replace(/-/g, '_') as EventCommand;
}

/** Parses JSON Lines, skipping a torn or foreign line instead of failing the whole read. */
export function parseEventLines(text: string): LifecycleEvent[] {
  const out: LifecycleEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as Partial<LifecycleEvent>;
      if (e.v === 1 && typeof e.event === 'string' && typeof e.ts === 'string') out.push(e as LifecycleEvent);
    } catch {
      // a line cut by a kill -9: the rest of the log is still good
    }
  }
  return out;
}
