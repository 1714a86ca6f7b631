import { ASIDE_SUFFIX } from '../engine/labels.js';
import type { ContainerDefinition, Engine } from '../engine/port.js';
import { compactUtc } from '../util/clock.js';
import type { Journal } from './journal.js';

/**
 * Replaces a container without losing the old one until the new one is proven: the old one is
 * renamed aside (the engine renames atomically) and stopped, so the new one can take its name,
 * ports and volumes; on failure the journal renames it back and restarts it. The aside copy is
 * removed only when the whole apply succeeded (see `dropReplaced`).
 */
export async function replaceContainer(
  engine: Engine,
  journal: Journal,
  old: { id: string; name: string; state: string },
  def: ContainerDefinition,
  role: 'infra' | 'app',
  graceMs: number,
  now: number,
): Promise<string> {
  const asideName = `${old.name}${ASIDE_SUFFIX}${compactUtc(now)}`;
  await engine.renameContainer(old.id, asideName);
  const entry = { name: old.name, asideName, oldId: old.id, wasRunning: old.state === 'running', role };
  journal.replacements.push(entry);
  // Stop before the new one starts: an infra container must never share its data volume with
  // a second live copy, and an app may hold host ports.
  await engine.stopContainer(old.id, graceMs);
  const newId = await engine.createContainer(def);
  Object.assign(entry, { newId });
  await engine.startContainer(newId);
  return newId;
}

/** Removes the renamed-aside originals once their replacements are healthy. */
export async function dropReplaced(engine: Engine, journal: Journal): Promise<string[]> {
  const dropped: string[] = [];
  for (const r of journal.replacements) {
    // Infra keeps its anonymous volumes (they may hold data); an app's are disposable.
    await engine.removeContainer(r.oldId, { force: true, removeAnonymousVolumes: r.role === 'app' });
    dropped.push(r.asideName);
  }
  journal.replacements.length = 0;
  return dropped;
}
