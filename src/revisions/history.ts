import { LABEL } from '../engine/labels.js';
import type { ContainerInfo, Engine } from '../engine/port.js';
import { deployIdOf, isOwned, isRenamedAside } from '../plan/live.js';
import { readLedger } from './ledger.js';
import type { Revision } from './revision.js';
import type { ProjectStore } from './store.js';

export interface HistoryEntry extends Revision {
  /** The revision whose generation should be serving now. */
  live: boolean;
  /** Whether `deployctl rollback <deploy id>` can still put this revision's generation back. */
  rollback: { available: boolean; why: string };
}

export interface History {
  format_version: 1;
  project: string;
  live_revision: number | null;
  revisions: HistoryEntry[];
}

/**
 * The live revision: the newest one that decided what serves (a succeeded apply, rollback or
 * recover), unless a later `down` took the apps away.
 */
export function liveRevision(revisions: Revision[]): Revision | undefined {
  for (const r of revisions) {
    if (r.result !== 'succeeded') continue;
    if (r.kind === 'down') return undefined;
    if (r.kind === 'apply' || r.kind === 'rollback' || r.kind === 'recover') return r;
  }
  return undefined;
}

/** `deployctl history`: the ledger, newest first, with what can still be rolled back to. */
export async function readHistory(
  engine: Engine,
  store: ProjectStore,
  project: string,
  keep: number,
): Promise<History> {
  const [revisions, containers] = await Promise.all([
    readLedger(store, keep),
    engine.listContainers({ project }),
  ]);
  const live = liveRevision(revisions);
  const apps = containers.filter((c) => isOwned(c, project, 'app') && !isRenamedAside(c));
  const imagePresent = await presentImages(engine, apps);
  return {
    format_version: 1,
    project,
    live_revision: live?.number ?? null,
    revisions: revisions.map((r) => ({
      ...r,
      live: r.number === live?.number,
      rollback: rollbackAvailability(r, live, apps, imagePresent),
    })),
  };
}

/**
 * Which of these containers' images the engine still has: one inspect per distinct image id.
 * A kept container pins its image, but `docker rmi -f` or a prune on another host's store can
 * still take one away, and then the generation cannot be put back as it ran.
 */
export async function presentImages(engine: Engine, apps: ContainerInfo[]): Promise<(id: string) => boolean> {
  const ids = [...new Set(apps.map((c) => c.imageId).filter(Boolean))];
  const found = await Promise.all(
    ids.map(async (id) => ((await engine.inspectImage(id).catch(() => undefined)) ? [id] : [])),
  );
  const present = new Set(found.flat());
  return (id) => present.has(id);
}

/**
 * Whether a revision's generation can be put back: kept (every app container there, same image
 * id) and every image it ran still present.
 */
export function rollbackAvailability(
  rev: Revision,
  live: Revision | undefined,
  apps: ContainerInfo[],
  imagePresent: (id: string) => boolean,
): HistoryEntry['rollback'] {
  if (rev.kind !== 'apply' && rev.kind !== 'rollback' && rev.kind !== 'recover')
    return { available: false, why: `a ${rev.kind} run deploys no generation` };
  if (rev.result !== 'succeeded')
    return {
      available: false,
      why: `it ${rev.result === 'rolled_back' ? 'was rolled back' : rev.result.replace('_', ' ')}`,
    };
  if (live && rev.deploy_id === live.deploy_id) return { available: false, why: 'it is the live generation' };
  const wanted = rev.services.filter((s) => s.role === 'app');
  if (wanted.length === 0) return { available: false, why: 'it recorded no app service' };
  const kept = apps.filter((c) => deployIdOf(c) === rev.deploy_id);
  const missing = wanted.filter(
    (s) =>
      !kept.some((c) => c.labels[LABEL.service] === s.service && (!s.image_id || c.imageId === s.image_id)),
  );
  if (missing.length > 0) {
    return {
      available: false,
      why: `generation ${rev.deploy_id} was pruned (${missing.map((m) => m.container).join(', ')} gone)`,
    };
  }
  const gone = [
    ...new Set(
      kept
        .filter((c) => wanted.some((s) => s.service === c.labels[LABEL.service]) && !imagePresent(c.imageId))
        .map((c) => `${c.image} (${c.imageId.replace(/^sha256:/, '').slice(0, 12)})`),
    ),
  ];
  if (gone.length > 0)
    return {
      available: false,
      why: `its image${gone.length === 1 ? ' is' : 's are'} gone from the engine: ${gone.join(', ')}`,
    };
  return { available: true, why: `generation ${rev.deploy_id} is kept` };
}
