import { DeployctlError } from '../errors.js';
import { appContainerName } from '../spec/model.js';
import { isHealthGate } from '../plan/unproven.js';
import { startOrder } from '../spec/start-order.js';
import { runContainerAction } from './container-action.js';
import { checkAbort } from './guard.js';
import { probeFor, runProbe } from './health-probe.js';
import { ProbedRecorder } from './health-proof.js';
import { containerEvent } from './lifecycle.js';
import { actionsIn, serviceOf, type RunState } from './run-state.js';
import { waitHealthy } from './wait-healthy.js';

/**
 * The new generation: services start in depends_on order, independent ones in parallel, and a
 * level must be healthy before the next starts. Any failure is thrown for the caller to roll back.
 * A service's gate opens on the engine's `healthy` or on its own healthcheck run by deployctl as
 * soon as it runs (health-probe.ts), whichever comes first.
 */
export async function runDeploy(state: RunState, update: (text: string) => void): Promise<string> {
  const actions = actionsIn(state, 'deploy').filter((a) => a.resource === 'container');
  const levels = startOrder(state.spec.apps.services);
  const probed = new ProbedRecorder(state.deps.engine, state.spec.project, state.plan.deployId);
  for (const level of levels) {
    checkAbort(state, 'while starting the new generation');
    const inLevel = actions.filter((a) => a.service !== undefined && level.includes(a.service));
    // One failure ends the level at once: siblings stop waiting (their wait_timeout may be long)
    // and the rollback starts, instead of the failure waiting for the slowest sibling.
    const levelStop = linkedAbort(state.deps.signal);
    const outcomes = await Promise.allSettled(
      inLevel.map(async (action) => {
        try {
          const service = serviceOf(state, action)!;
          update(isHealthGate(action.reason) ? `checking ${action.name}` : `${action.kind} ${action.name}`);
          const since = state.deps.clock.now();
          const id = await runContainerAction(state, action, service);
          update(`waiting for ${action.name}`);
          const argv = probeFor(service);
          const ready = await waitHealthy(
            state.deps.engine,
            {
              container: id,
              service: service.name,
              timeoutMs: service.waitTimeoutMs,
              ...(argv && {
                probe: () =>
                  runProbe(state.deps.engine, id, argv, service.healthcheck?.timeoutMs, levelStop.signal),
              }),
            },
            state.deps.clock,
            levelStop.signal,
          );
          if (ready.healthProbed) probed.add(ready.id);
          containerEvent(
            state.deps.events,
            'container.ready',
            { name: action.name, service: service.name },
            state.deps.clock.now() - since,
          );
        } catch (err) {
          levelStop.abort();
          throw err;
        }
      }),
    ).finally(() => levelStop.dispose());
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed.length > 0) {
      throw firstError(
        failed.map((f) => f.reason as unknown),
        state.deps.signal?.aborted === true,
      );
    }
  }
  // Recorded before traffic moves or anything retires: from here on every run must count these
  // containers as proven, also a re-run after a kill (health-proof.ts).
  await probed.save();
  for (const service of state.spec.apps.services) {
    state.result.serving.push(appContainerName(state.spec.project, service.name, state.plan.deployId));
  }
  return actions.length === 0 ? 'already running' : `${actions.length} container(s) up and healthy`;
}

/**
 * Ctrl+C wins (exit 130); otherwise the first real failure, mentioning how many others failed
 * on their own (siblings stopped because of it are not failures).
 */
function firstError(all: unknown[], userAborted: boolean): unknown {
  const isInterrupted = (e: unknown): boolean => e instanceof DeployctlError && e.code === 'INTERRUPTED';
  if (userAborted) return all.find(isInterrupted) ?? all[0];
  const own = all.filter((e) => !isInterrupted(e));
  const errors = own.length > 0 ? own : all;
  const [first] = errors;
  if (errors.length > 1 && first instanceof DeployctlError) {
    return new DeployctlError(
      first.code,
      `${first.message} (${errors.length - 1} other service(s) of this level failed too)`,
      {
        cause: first,
        data: first.data,
      },
    );
  }
  return first;
}

/** An abort controller that also fires when `parent` does; `dispose` unhooks it. */
function linkedAbort(parent: AbortSignal | undefined): {
  signal: AbortSignal;
  abort(): void;
  dispose(): void;
} {
  const controller = new AbortController();
  const onParent = (): void => controller.abort();
  if (parent?.aborted) controller.abort();
  parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    abort: () => controller.abort(),
    dispose: () => parent?.removeEventListener('abort', onParent),
  };
}
