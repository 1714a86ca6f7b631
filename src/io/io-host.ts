/**
 * The user port: how the core talks to whoever runs it, without knowing about terminals.
 * The CLI implements it with listr2 on a TTY and timestamped plain lines in CI; tests use a
 * recording host. Messages carry a stable code so tests and log scrapers can match on them.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface IoMessage {
  level: Level;
  /** Stable, e.g. `DC_APPLY_RETIRED`. */
  code: string;
  text: string;
  data?: Record<string, unknown>;
}

export interface IoHost {
  notify(msg: IoMessage): void;
  /** Asks a yes/no question; a host that cannot ask (no TTY) answers false. */
  confirm(question: string): Promise<boolean>;
  /**
   * Shows one step while it runs and how it ended. `update` replaces the step's detail line.
   * The step's return value (when a string) is shown as its outcome.
   */
  step<T>(title: string, run: (update: (text: string) => void) => Promise<T>): Promise<T>;
}

/** An IoHost that only records: for tests and for --json runs that print one result object. */
export class RecordingIoHost implements IoHost {
  readonly messages: IoMessage[] = [];
  readonly steps: { title: string; ok: boolean; updates: string[] }[] = [];
  constructor(private readonly answer = false) {}

  notify(msg: IoMessage): void {
    this.messages.push(msg);
  }

  confirm(_question: string): Promise<boolean> {
    return Promise.resolve(this.answer);
  }

  async step<T>(title: string, run: (update: (text: string) => void) => Promise<T>): Promise<T> {
    const entry = { title, ok: false, updates: [] as string[] };
    this.steps.push(entry);
    const result = await run((text) => entry.updates.push(text));
    entry.ok = true;
    return result;
  }

  codes(): string[] {
    return this.messages.map((m) => m.code);
  }
}
