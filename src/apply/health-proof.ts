import { isEngineError } from '../engine/engine-error.js';
import type { ContainerInfo, Engine } from '../engine/port.js';
import { deployIdOf, isOwned } from '../plan/live.js';
import { ProjectStore, STORE_MOUNT, storeContainerName } from '../revisions/store.js';

/**
 * The record of containers whose health gate opened on deployctl's own run of their healthcheck
 * (health-probe.ts) while the engine still said `starting`. Without it, every later run would
 * see a generation apply just promoted as never proven until the engine's first check, up to a
 * whole `interval` later: `plan` would want to wait for it again, `status` would call it not
 * ready. Kept in the project's store on the engine host, one small file per generation, written
 * before the old generation is retired (so a re-run after a kill there trusts the same proof)
 * and read only while a container of the project is still `starting`.
 */
const DIR = 'health';

function fileOf(deployId: string): string {
  return `${deployId}.json`;
}

interface ProofFile {
  containers: string[];
}

/** Adds `ids` (container ids of generation `deployId`) to its record. Callers hold the project lock. */
export async function recordProbed(
  engine: Engine,
  project: string,
  deployId: string,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  const store = new ProjectStore(engine, project);
  const known = await readIds(engine, project, deployId);
  const containers = [...new Set([...known, ...ids])].sort();
  await store.write(DIR, [{ name: fileOf(deployId), content: `${JSON.stringify({ containers })}\n` }]);
}

/**
 * `containers` with `healthProbed` set where the record lists a project app container the engine
 * still calls `starting`. No engine call unless there is one: one read per such generation.
 */
export async function withHealthProofs(
  engine: Engine,
  project: string,
  containers: ContainerInfo[],
): Promise<ContainerInfo[]> {
  const starting = containers.filter(
    (c) => c.state === 'running' && c.health === 'starting' && isOwned(c, project, 'app'),
  );
  const generations = [...new Set(starting.flatMap((c) => deployIdOf(c) ?? []))];
  if (generations.length === 0) return containers;
  const proven = new Set((await Promise.all(generations.map((g) => readIds(engine, project, g)))).flat());
  return containers.map((c) => (starting.includes(c) && proven.has(c.id) ? { ...c, healthProbed: true } : c));
}

async function readIds(engine: Engine, project: string, deployId: string): Promise<string[]> {
  let files;
  try {
    files = await engine.readFiles(storeContainerName(project), `${STORE_MOUNT}/${DIR}/${fileOf(deployId)}`);
  } catch (err) {
    if (isEngineError(err, 'not_found')) return []; // no store yet: nothing was recorded
    throw err;
  }
  const text = files[0]?.content.toString('utf8');
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as Partial<ProofFile>;
    return Array.isArray(parsed.containers) ? parsed.containers.filter((x) => typeof x === 'string') : [];
  } catch {
    return []; // an unreadable record proves nothing: the gate waits for the engine instead
  }
}
