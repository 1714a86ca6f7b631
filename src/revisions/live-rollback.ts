import { liveRevision } from './history.js';
import type { Revision } from './revision.js';

/**
 * When the generation serving was put back by `rollback`, what `plan` should say about it: the
 * spec now differs from what runs on purpose, and applying it rolls forward. Undefined otherwise.
 */
export function liveRollbackNote(revisions: Revision[], deployId: string): string | undefined {
  const live = liveRevision(revisions);
  if (live?.kind !== 'rollback') return undefined;
  const from = live.previous_deploy_id ? ` from ${live.previous_deploy_id}` : '';
  return live.deploy_id === deployId
    ? `Generation ${live.deploy_id} is live because of a rollback (revision ${live.number}, rollback to ${live.deploy_id}${from}); this spec matches it.`
    : `Generation ${live.deploy_id} is live because of a rollback (revision ${live.number}, rollback to ${live.deploy_id}${from}): applying this spec rolls forward to generation ${deployId}.`;
}
