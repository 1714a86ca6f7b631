/** Where a restore is, for a caller that must quit at once and say what state it leaves. */
export type RestoreStage =
  | 'check'
  | 'confirm'
  | 'container'
  | 'safety-backup'
  | 'stop-apps'
  | 'restore'
  | 'verify'
  | 'start-apps'
  | 'done';

export interface RestoreProgress {
  stage: RestoreStage;
  /** Apps this run stopped that are not running again yet. */
  appsStopped: string[];
  safetyBackup?: string;
  /** How the restore transaction ended, once it has. */
  transaction?: 'committed' | 'rolled-back' | 'unknown';
}

/** Keeps the current progress and hands a copy to the listener on every change. */
export class ProgressTracker {
  private readonly state: RestoreProgress = { stage: 'check', appsStopped: [] };

  constructor(private readonly listener?: (p: RestoreProgress) => void) {}

  stage(stage: RestoreStage): void {
    this.state.stage = stage;
    this.emit();
  }

  stopped(name: string): void {
    this.state.appsStopped.push(name);
    this.emit();
  }

  restarted(name: string): void {
    this.state.appsStopped = this.state.appsStopped.filter((n) => n !== name);
    this.emit();
  }

  safetyBackup(path: string): void {
    this.state.safetyBackup = path;
    this.emit();
  }

  transaction(state: NonNullable<RestoreProgress['transaction']>): void {
    this.state.transaction = state;
    this.emit();
  }

  private emit(): void {
    this.listener?.({ ...this.state, appsStopped: [...this.state.appsStopped] });
  }
}
