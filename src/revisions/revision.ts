/**
 * One revision: a run of a changing command, as kept in the ledger on the engine host. Holds no
 * secret value: images, config hashes and names only (the engine keeps each container's own
 * configuration, and rollback uses the kept containers themselves).
 */
export type RevisionKind = 'apply' | 'rollback' | 'recover' | 'restore-db' | 'down';

/** `running` only while the run holds the lock; a run that ended without a record reads `interrupted`. */
export type RevisionResult = 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'interrupted';

export interface RevisionService {
  service: string;
  role: 'infra' | 'app';
  container: string;
  image: string;
  /** Local image id the container ran, when known. */
  image_id?: string;
  config_hash?: string;
}

export interface RevisionWho {
  /** `user@host` of the machine that ran deployctl. */
  by: string;
  /** The CI job, when the usual CI variables say so (e.g. `github acme/shop run 42`). */
  ci?: string;
}

export interface Revision {
  v: 1;
  number: number;
  kind: RevisionKind;
  deploy_id: string;
  /** rollback: the deploy id rolled back to (also `deploy_id`); apply: the id it replaced. */
  previous_deploy_id?: string;
  started_at: string;
  ended_at?: string;
  result: RevisionResult;
  who: RevisionWho;
  spec_hash?: string;
  services: RevisionService[];
  error?: { code: string; message: string };
  /** One line for people: "rollback to d1", "apply d2 (new generation)". */
  summary?: string;
}

/** Results after which the revision's generation is the one that should serve. */
export function servedAfter(rev: Revision): boolean {
  return (
    rev.result === 'succeeded' && (rev.kind === 'apply' || rev.kind === 'rollback' || rev.kind === 'recover')
  );
}
