import { mkdir } from 'node:fs/promises';
import { LABEL } from '../engine/labels.js';
import { startOrder } from '../spec/start-order.js';
import { runContainerAction } from './container-action.js';
import { checkAbort } from './guard.js';
import { actionsIn, serviceOf, type RunState } from './run-state.js';
import { waitHealthy } from './wait-healthy.js';

/**
 * Infrastructure: creates what is missing (networks, volumes, dirs, containers), starts what is
 * stopped, recreates only what --replace named, then waits until every infra service is healthy
 * so apps that depend on the database find it ready. Drift is never acted on here.
 */
export async function runInfra(state: RunState, update: (text: string) => void): Promise<string> {
  const { engine } = state.deps;
  const actions = actionsIn(state, 'infra');
  const labels = { [LABEL.project]: state.spec.project, [LABEL.role]: 'infra' };

  for (const action of actions.filter((a) => a.kind === 'create' && a.resource !== 'container')) {
    checkAbort(state, 'while creating infrastructure');
    update(`creating ${action.resource} ${action.name}`);
    if (action.resource === 'network') {
      const spec = state.spec.infra.networks.find((n) => n.name === action.name);
      await engine.createNetwork({
        name: action.name,
        labels: { ...spec?.labels, ...labels },
        driver: spec?.driver,
      });
    } else if (action.resource === 'volume') {
      const spec = state.spec.infra.volumes.find((v) => v.name === action.name);
      await engine.createVolume({
        name: action.name,
        labels: { ...spec?.labels, ...labels },
        driver: spec?.driver,
      });
    } else if (action.resource === 'dir') {
      const dir = state.spec.infra.dirs.find((d) => d.name === action.name);
      if (dir) await mkdir(dir.path, { recursive: true });
    }
    state.result.created.push(action.name);
  }

  const containerActions = actions.filter((a) => a.resource === 'container');
  for (const level of startOrder(state.spec.infra.services)) {
    for (const action of containerActions.filter(
      (a) => a.service !== undefined && level.includes(a.service),
    )) {
      const service = serviceOf(state, action);
      if (!service) continue;
      update(`${action.kind} ${action.name}`);
      await runContainerAction(state, action, service);
    }
  }

  for (const service of state.spec.infra.services) {
    checkAbort(state, 'while waiting for infrastructure');
    update(`waiting for ${service.containerName ?? service.name}`);
    await waitHealthy(
      engine,
      {
        container: service.containerName ?? service.name,
        service: service.name,
        timeoutMs: service.waitTimeoutMs,
      },
      state.deps.clock,
      state.deps.signal,
    );
  }
  const changed = actions.length;
  return changed === 0 ? 'up to date' : `${changed} change(s), all infrastructure healthy`;
}
