import type { ContainerInfo, Engine } from '../engine/port.js';
import { deployIdOf, isOwned } from '../plan/live.js';
import { ProjectStore } from '../revisions/store.js';

/**
 * The record of containers whose health gate opened on deployctl's own run of their healthcheck
 * (health-probe.ts) while the engine still said `starting`. Without it, every later run would
 * see a generation apply just promoted as never proven until the engine's first check, up to a
 * whole `interval` later: `plan` would want to wait for it again, `status` would call it not
 * ready. Kept in the project's store on the engine host, one small file for the last
 * generations, written before the old generation is retired (so a re-run after a kill there
 * trusts the same proof) and read only while a container of the project is still `starting`.
 */
const DIR = 'health';
const FILE = 'probed.json';
/** Generations whose record is kept: more than any apply, plan or rollback looks back on. */
const KEEP_GENERATIONS = 20;

/** Deploy id -> container ids, oldest generation first. */
type ProbeRecord = Map<string, string[]>;

/**
 * Collects the containers of generation `deployId` whose gate opened on a probe, and adds them
 * to the record in one write. The record is read at the first pass, while the rest of the
 * generation is still starting, so only the write sits between the gate and the retire.
 * Callers hold the project lock: nothing else writes the record meanwhile.
 */
export class ProbedRecorder {
  private readonly ids: string[] = [];
  private prior: Promise<ProbeRecord> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly project: string,
    private readonly deployId: string,
  ) {}

  add(id: string): void {
    this.ids.push(id);
    if (this.prior) return;
    this.prior = readRecord(this.engine, this.project);
    this.prior.catch(() => undefined); // awaited by save(); a failure there is the one reported
  }

  /** Writes the record when a gate opened on a probe; nothing otherwise. */
  async save(): Promise<void> {
    if (!this.prior) return;
    const record = await this.prior;
    const containers = [...new Set([...(record.get(this.deployId) ?? []), ...this.ids])].sort();
    record.delete(this.deployId); // re-added last: the newest generation
    record.set(this.deployId, containers);
    const kept = [...record].slice(-KEEP_GENERATIONS);
    const content = `${JSON.stringify({ generations: Object.fromEntries(kept) })}\n`;
    await new ProjectStore(this.engine, this.project).write(DIR, [{ name: FILE, content }]);
  }
}

/**
 * `containers` with `healthProbed` set where the record lists a project app container the engine
 * still calls `starting`. No engine call unless there is one; then one read.
 */
export async function withHealthProofs(
  engine: Engine,
  project: string,
  containers: ContainerInfo[],
): Promise<ContainerInfo[]> {
  const starting = containers.filter(
    (c) => c.state === 'running' && c.health === 'starting' && isOwned(c, project, 'app'),
  );
  if (starting.length === 0) return containers;
  const record = await readRecord(engine, project);
  return containers.map((c) =>
    starting.includes(c) && (record.get(deployIdOf(c) ?? '') ?? []).includes(c.id)
      ? { ...c, healthProbed: true }
      : c,
  );
}

async function readRecord(engine: Engine, project: string): Promise<ProbeRecord> {
  // No store yet: nothing was recorded. plan and status read this too, so never re-attach one.
  const files = await new ProjectStore(engine, project).readIfAttached(`${DIR}/${FILE}`);
  const text = files?.[0]?.content.toString('utf8');
  if (text === undefined) return new Map();
  try {
    const parsed = JSON.parse(text) as { generations?: Record<string, unknown> };
    const entries = Object.entries(parsed.generations ?? {}).map(
      ([id, list]) =>
        [id, Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []] as const,
    );
    return new Map(entries);
  } catch {
    return new Map(); // an unreadable record proves nothing: the gate waits for the engine instead
  }
}
