/** What an apply did, for the closing summary (text or --json). Names are container/volume names. */
export interface ApplyResult {
  project: string;
  deployId: string;
  created: string[];
  started: string[];
  replaced: string[];
  pulled: string[];
  stopped: string[];
  removed: string[];
  /** Older generations left stopped for rollback. */
  kept: string[];
  /** App containers of the new generation, running and healthy. */
  serving: string[];
  phases: { phase: string; ms: number }[];
}

export function emptyResult(project: string, deployId: string): ApplyResult {
  return {
    project,
    deployId,
    created: [],
    started: [],
    replaced: [],
    pulled: [],
    stopped: [],
    removed: [],
    kept: [],
    serving: [],
    phases: [],
  };
}
