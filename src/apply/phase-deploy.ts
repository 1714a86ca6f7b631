import { DeployctlError } from '../errors.js';
import { appContainerName } from '../spec/model.js';
import { startOrder } from '../spec/start-order.js';
import { runContainerAction } from './container-action.js';
import { checkAbort } from './guard.js';
import { actionsIn, serviceOf, type RunState } from './run-state.js';
import { waitHealthy } from './wait-healthy.js';

/**
 * The new generation: services start in depends_on order, independent ones in parallel, and a
 * level must be healthy before the next starts. Any failure is thrown for the caller to roll back.
 */
export async function runDeploy(state: RunState, update: (text: string) => void): Promise<string> {
  const actions = actionsIn(state, 'deploy').filter((a) => a.resource === 'container');
  const levels = startOrder(state.spec.apps.services);
  for (const level of levels) {
    checkAbort(state, 'while starting the new generation');
    const inLevel = actions.filter((a) => a.service !== undefined && level.includes(a.service));
    const outcomes = await Promise.allSettled(
      inLevel.map(async (action) => {
        const service = serviceOf(state, action)!;
        update(`${action.kind} ${action.name}`);
        const id = await runContainerAction(state, action, service);
        update(`waiting for ${action.name}`);
        await waitHealthy(
          state.deps.engine,
          { container: id, service: service.name, timeoutMs: service.waitTimeoutMs },
          state.deps.clock,
          state.deps.signal,
        );
      }),
    );
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed.length > 0) throw firstError(failed.map((f) => f.reason as unknown));
  }
  for (const service of state.spec.apps.services) {
    state.result.serving.push(appContainerName(state.spec.project, service.name, state.plan.deployId));
  }
  return actions.length === 0 ? 'already running' : `${actions.length} container(s) up and healthy`;
}

/** Interruptions win (exit 130); otherwise the first failure, mentioning how many others failed. */
function firstError(errors: unknown[]): unknown {
  const interrupted = errors.find((e) => e instanceof DeployctlError && e.code === 'INTERRUPTED');
  if (interrupted) return interrupted;
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
