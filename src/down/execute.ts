import { containerEvent } from '../apply/lifecycle.js';
import { isEngineError } from '../engine/engine-error.js';
import type { Engine } from '../engine/port.js';
import { InterruptedError } from '../errors.js';
import type { EventSink } from '../events/sink.js';
import type { IoHost } from '../io/io-host.js';
import type { DownAction, DownPlan } from '../plan/down.js';
import { isActive } from '../plan/live.js';
import type { Clock } from '../util/clock.js';

/** The ports a down runs through. */
export interface DownDeps {
  engine: Engine;
  io: IoHost;
  clock: Clock;
  /** Aborted on Ctrl+C (or when the lock is lost): the run stops after the current wave. */
  signal?: AbortSignal;
  /** Lifecycle events of the recorded run. */
  events?: EventSink;
}

export interface DownResult {
  /** Containers stopped by this run (apps and, with --include-infra, infra). */
  stopped: string[];
  /** App containers removed by this run. */
  removed: string[];
}

/**
 * Runs a down plan wave by wave (apps before infra, dependents first); the containers of one
 * wave are stopped together, each with its grace period. A container already gone counts as
 * done, so a re-run after a kill converges. Ctrl+C stops before the next wave.
 */
export async function executeDown(plan: DownPlan, deps: DownDeps): Promise<DownResult> {
  const result: DownResult = { stopped: [], removed: [] };
  const waves = [...new Set(plan.actions.map((a) => a.wave))].sort((a, b) => a - b);
  for (const wave of waves) {
    if (deps.signal?.aborted) throw interrupted(plan, result);
    const actions = plan.actions.filter((a) => a.wave === wave);
    const title = `${actions.some((a) => a.kind === 'remove') ? 'stop and remove' : 'stop'} ${actions
      .map((a) => a.name)
      .join(', ')}`;
    await deps.io.step(title, async (update) => {
      await Promise.all(actions.map((a) => takeDownOne(a, deps, result, update)));
      return 'done';
    });
  }
  return result;
}

async function takeDownOne(
  action: DownAction,
  deps: DownDeps,
  result: DownResult,
  update: (text: string) => void,
): Promise<void> {
  const who = { name: action.name, ...(action.service ? { service: action.service } : {}) };
  if (isActive(action.state)) {
    update(`stopping ${action.name}`);
    containerEvent(deps.events, 'container.terminating', who);
    const since = deps.clock.now();
    if (await goneOn(deps.engine.stopContainer(action.id, action.graceMs))) return;
    result.stopped.push(action.name);
    containerEvent(deps.events, 'container.terminated', who, deps.clock.now() - since);
  }
  if (action.kind === 'remove') {
    update(`removing ${action.name}`);
    // Anonymous volumes stay too: down never removes a volume of any kind.
    if (await goneOn(deps.engine.removeContainer(action.id, { force: true }))) return;
    result.removed.push(action.name);
    containerEvent(deps.events, 'container.cleaned_up', who);
  }
}

/** True when the container was already gone (another run, or by hand): nothing left to do. */
async function goneOn(call: Promise<void>): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (err) {
    if (isEngineError(err, 'not_found')) return true;
    throw err;
  }
}

function interrupted(plan: DownPlan, result: DownResult): InterruptedError {
  const done = new Set([...result.removed, ...result.stopped]);
  const left = plan.actions.filter((a) => !done.has(a.name)).map((a) => a.name);
  return new InterruptedError(
    `down was interrupted after ${result.removed.length} removed and ${result.stopped.length} stopped container(s); ` +
      `not yet taken down: ${left.join(', ') || 'none'}. Volumes, networks, dirs and protected containers were not touched. ` +
      'Run `deployctl down` again to finish, or `deployctl apply` to bring the stack back.',
  );
}
