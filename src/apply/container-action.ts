import { DeployctlError } from '../errors.js';
import type { Action } from '../plan/actions.js';
import type { ServiceSpec } from '../spec/model.js';
import { containerDefinition } from './container-definition.js';
import { assertMayDestroy, checkAbort } from './guard.js';
import { containerEvent } from './lifecycle.js';
import { imageIdFor } from './phase-images.js';
import { replaceContainer } from './replace-container.js';
import type { RunState } from './run-state.js';

/**
 * Carries out one create / start / replace of a container and records it in the journal.
 * Returns the container id to wait on.
 */
export async function runContainerAction(
  state: RunState,
  action: Action,
  service: ServiceSpec,
): Promise<string> {
  const { engine, clock } = state.deps;
  checkAbort(state, `before ${action.kind} of ${action.name}`);
  const role = service.role;
  const def = () =>
    containerDefinition(service, state.spec, state.plan.deployId, imageIdFor(state, service.image));
  switch (action.kind) {
    case 'create': {
      const id = await engine.createContainer(def());
      state.journal.created.push({ id, name: action.name, role });
      containerEvent(state.deps.events, 'container.created', { name: action.name, service: service.name });
      await engine.startContainer(id);
      state.result.created.push(action.name);
      return id;
    }
    case 'start': {
      const id = action.observed!.id;
      if (action.reason === 'unproven') {
        // Left running by a killed apply: adopted, so a failed health gate removes it as this
        // run would have removed a container it created itself.
        state.journal.created.push({ id, name: action.name, role });
        return id;
      }
      // A kept generation a killed apply brought back: it goes back to sleep on failure, as below.
      if (action.reason === 'unproven_kept') {
        state.journal.started.push({ id, name: action.name, graceMs: service.stopGracePeriodMs });
        await restorePolicy(state, id, service);
        return id;
      }
      // The only generation serving: waited on, never recorded for removal.
      if (action.reason === 'serving_unproven') return id;
      // An app generation brought back (e.g. redeploying a kept id) goes back to sleep if the
      // apply fails, so a failed apply leaves it as it found it.
      if (role === 'app') {
        state.journal.started.push({ id, name: action.name, graceMs: service.stopGracePeriodMs });
        await restorePolicy(state, id, service);
      }
      await engine.startContainer(id);
      state.result.started.push(action.name);
      return id;
    }
    case 'replace': {
      assertMayDestroy(state, action);
      const observed = action.observed!;
      const id = await replaceContainer(
        engine,
        state.journal,
        { id: observed.id, name: action.name, state: observed.state },
        def(),
        role,
        service.stopGracePeriodMs,
        clock.now(),
      );
      state.result.replaced.push(action.name);
      containerEvent(state.deps.events, 'container.created', { name: action.name, service: service.name });
      return id;
    }
    default:
      throw new DeployctlError(
        'INTERNAL',
        `apply cannot ${action.kind} container ${action.name} here; this is a bug in deployctl.`,
      );
  }
}

/** A kept generation was retired with restart policy `no` (phase-retire.ts): back in service, it gets its own. */
async function restorePolicy(state: RunState, id: string, service: ServiceSpec): Promise<void> {
  if (service.restart && service.restart !== 'no')
    await state.deps.engine.setRestartPolicy(id, service.restart);
}
