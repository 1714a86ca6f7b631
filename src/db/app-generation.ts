import { waitHealthy } from '../apply/wait-healthy.js';
import { LABEL } from '../engine/labels.js';
import type { Engine } from '../engine/port.js';
import type { Spec } from '../spec/model.js';
import { startOrder } from '../spec/start-order.js';
import type { Clock } from '../util/clock.js';

/** A running app container of the project, with what stopping and restarting it needs. */
export interface LiveApp {
  id: string;
  name: string;
  service: string;
  graceMs: number;
  waitTimeoutMs: number;
}

const DEFAULT_GRACE_MS = 10_000;
const DEFAULT_WAIT_MS = 60_000;

/** The live generation: every running app container of the project (by its labels). */
export async function liveApps(engine: Engine, spec: Spec): Promise<LiveApp[]> {
  const containers = await engine.listContainers({ project: spec.project });
  return containers
    .filter(
      (c) =>
        c.labels[LABEL.project] === spec.project && c.labels[LABEL.role] === 'app' && c.state === 'running',
    )
    .map((c) => {
      const service = c.labels[LABEL.service] ?? '';
      const s = spec.apps.services.find((x) => x.name === service);
      return {
        id: c.id,
        name: c.name,
        service,
        graceMs: s?.stopGracePeriodMs ?? DEFAULT_GRACE_MS,
        waitTimeoutMs: s?.waitTimeoutMs ?? DEFAULT_WAIT_MS,
      };
    });
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
