import { waitHealthy } from '../apply/wait-healthy.js';
import { LABEL } from '../engine/labels.js';
import type { ContainerInfo, Engine } from '../engine/port.js';
import { deployIdOf, generationsNewestFirst, isActive, isOwned, isRenamedAside } from '../plan/live.js';
import type { Spec } from '../spec/model.js';
import { startOrder } from '../spec/start-order.js';
import type { Clock } from '../util/clock.js';

/** An app container of the project, with what stopping and restarting it needs. */
export interface LiveApp {
  id: string;
  name: string;
  service: string;
  graceMs: number;
  waitTimeoutMs: number;
}

/** The app containers a restore deals with. */
export interface AppsToCycle {
  /** Every running app container of the project: stopped before the restore, started after. */
  running: LiveApp[];
  /**
   * Containers of the live generation that are already stopped, e.g. by a restore-db that was
   * killed between stopping and starting the apps: started after the restore with the others.
   */
  leftStopped: LiveApp[];
}

const DEFAULT_GRACE_MS = 10_000;
const DEFAULT_WAIT_MS = 60_000;

/**
 * What a restore stops and starts again. Every running app container is stopped (any of them
 * may write to the database). Those of the live generation that are already stopped are
 * started too, so a restore run again after a killed one leaves the apps as they were before
 * either run. Retired generations are never started.
 */
export async function appsToCycle(engine: Engine, spec: Spec): Promise<AppsToCycle> {
  const apps = (await engine.listContainers({ project: spec.project })).filter(
    (c) => isOwned(c, spec.project, 'app') && !isRenamedAside(c) && deployIdOf(c) !== undefined,
  );
  const live = await liveGeneration(engine, apps);
  return {
    running: apps.filter((c) => c.state === 'running').map((c) => liveApp(spec, c)),
    leftStopped: live.filter((c) => c.state === 'exited').map((c) => liveApp(spec, c)),
  };
}

/**
 * The generation that serves, or served last. While any app container runs it is the newest
 * generation that runs (generationsNewestFirst). When none runs, creation order cannot tell it
 * from a retired one (after a rollback by deploy id the serving generation is the older), but
 * the start times can: the live generation is the one started last, since an apply retires
 * the previous generation only after it started the new one, and nothing starts a retired one.
 */
async function liveGeneration(engine: Engine, apps: ContainerInfo[]): Promise<ContainerInfo[]> {
  const generations = generationsNewestFirst(apps);
  const [newest] = generations;
  if (!newest || newest.containers.some((c) => isActive(c.state))) return newest?.containers ?? [];
  let live: ContainerInfo[] = [];
  let lastStart = -Infinity;
  for (const g of generations) {
    const starts = await Promise.all(
      g.containers.map(async (c) => (await engine.inspectContainer(c.id))?.startedAt ?? -Infinity),
    );
    const started = Math.max(...starts);
    if (started > lastStart) [live, lastStart] = [g.containers, started];
  }
  return live;
}

function liveApp(spec: Spec, c: ContainerInfo): LiveApp {
  const service = c.labels[LABEL.service] ?? '';
  const s = spec.apps.services.find((x) => x.name === service);
  return {
    id: c.id,
    name: c.name,
    service,
    graceMs: s?.stopGracePeriodMs ?? DEFAULT_GRACE_MS,
    waitTimeoutMs: s?.waitTimeoutMs ?? DEFAULT_WAIT_MS,
  };
}

/**
 * Apps in depends_on levels: a service starts after what it depends on. Containers of services
 * no longer in the spec form the last level (nothing in the spec depends on them).
 */
export function appLevels(spec: Spec, apps: LiveApp[]): LiveApp[][] {
  const levels = startOrder(spec.apps.services).map((names) => apps.filter((a) => names.includes(a.service)));
  const placed = new Set(levels.flat().map((a) => a.id));
  const rest = apps.filter((a) => !placed.has(a.id));
  return [...levels, rest].filter((l) => l.length > 0);
}

/** Stops the apps, dependents first (a frontend before the backend it calls). */
export async function stopApps(
  engine: Engine,
  spec: Spec,
  apps: LiveApp[],
  onStopped: (app: LiveApp) => void,
): Promise<void> {
  for (const level of appLevels(spec, apps).reverse()) {
    await Promise.all(
      level.map(async (app) => {
        await engine.stopContainer(app.id, app.graceMs);
        onStopped(app);
      }),
    );
  }
}

export interface StartOutcome {
  started: string[];
  failed: { name: string; message: string }[];
}

/**
 * Starts the apps in depends_on order, waiting for each level to be healthy before the next.
 * Best effort: a level that fails does not keep the next ones stopped, since they ran before
 * the restore too; every failure is returned for the report. Deliberately takes no abort
 * signal: after a restore (or its rollback) the apps must come back even after Ctrl+C.
 */
export async function startApps(
  engine: Engine,
  spec: Spec,
  apps: LiveApp[],
  clock: Clock,
  onStarted: (app: LiveApp) => void,
): Promise<StartOutcome> {
  const outcome: StartOutcome = { started: [], failed: [] };
  for (const level of appLevels(spec, apps)) {
    await Promise.all(
      level.map(async (app) => {
        try {
          await engine.startContainer(app.id);
          await waitHealthy(
            engine,
            { container: app.id, service: app.service, timeoutMs: app.waitTimeoutMs },
            clock,
          );
          outcome.started.push(app.name);
          onStarted(app);
        } catch (err) {
          outcome.failed.push({ name: app.name, message: err instanceof Error ? err.message : String(err) });
        }
      }),
    );
  }
  return outcome;
}
