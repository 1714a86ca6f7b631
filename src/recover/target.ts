import type { Engine } from '../engine/port.js';
import type { RecoverTarget } from '../plan/plan-recover.js';
import { liveRevision } from '../revisions/history.js';
import { readLedger } from '../revisions/ledger.js';
import { ProjectStore } from '../revisions/store.js';
import type { Spec } from '../spec/model.js';

/**
 * The generation that should serve, from the revision ledger on the engine host: the live
 * revision's app containers, image ids and config hashes. Without a usable ledger (never
 * recorded, deleted, unreadable) there is no target, and `why` says so; the caller falls back to
 * live labels. A ledger whose newest deciding run was a `down` names no generation at all.
 */
export async function recoverTarget(
  engine: Engine,
  spec: Spec,
): Promise<{ target: RecoverTarget; why?: undefined } | { target?: undefined; why: string }> {
  let revisions;
  try {
    revisions = await readLedger(new ProjectStore(engine, spec.project), spec.history.keep);
  } catch (err) {
    return {
      why: `the revision history on the engine host could not be read (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  if (revisions.length === 0) return { why: 'no revision history is recorded on the engine host' };
  const live = liveRevision(revisions);
  const apps = (live?.services ?? []).filter((s) => s.role === 'app');
  if (!live) return { target: { source: 'ledger', apps: [] } };
  if (apps.length === 0 || live.deploy_id === '-' || live.deploy_id === '')
    return { why: `the live revision ${live.number} records no app container` };
  return {
    target: {
      source: 'ledger',
      revision: live.number,
      deployId: live.deploy_id,
      apps: apps.map((s) => ({
        service: s.service,
        container: s.container,
        image: s.image,
        ...(s.image_id ? { imageId: s.image_id } : {}),
        ...(s.config_hash ? { configHash: s.config_hash } : {}),
      })),
    },
  };
}
