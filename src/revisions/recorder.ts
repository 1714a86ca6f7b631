import { beginRun, type RecordOptions, type RecordedRun } from './record-run.js';

/** What a command knows about its run when it starts recording it. */
export type RunInit = Pick<RecordOptions, 'kind' | 'deployId' | 'previousDeployId' | 'summary' | 'specHash'>;

/**
 * The port through which a changing command records its run (revision and events). The CLI
 * builds one per command from the session; core code only calls `begin` once it holds the lock.
 */
export interface Recorder {
  begin(init: RunInit): Promise<RecordedRun>;
}

export function makeRecorder(base: Omit<RecordOptions, keyof RunInit>): Recorder {
  return { begin: (init) => beginRun({ ...base, ...init }) };
}
