import type { ContainerState } from '../engine/port.js';
import type { Action } from '../plan/actions.js';
import { isActive } from '../plan/live.js';
import { assertMayDestroy } from './guard.js';
import { containerEvent } from './lifecycle.js';
import { dropReplaced } from './replace-container.js';
import type { RunState } from './run-state.js';
import { actionsIn } from './run-state.js';

const DEFAULT_GRACE_MS = 10_000;

/**
 * Retires what the new generation replaced: older generations kept for rollback are stopped
 * (each with its service's stop_grace_period), older ones removed, and renamed-aside originals of
 * replaced containers dropped. Runs only after the new generation is healthy.
 */
export async function runRetire(state: RunState, update: (text: string) => void): Promise<string> {
  const { engine } = state.deps;
  const actions = actionsIn(state, 'retire').filter((a) => a.resource === 'container' && a.observed);
  await Promise.all(
    actions.map(async (action) => {
      assertMayDestroy(state, action);
      const id = action.observed!.id;
      update(`${action.kind === 'stop' ? 'stopping' : 'removing'} ${action.name}`);
      const who = { name: action.name, service: action.service };
      // A kept generation must stay down: with `restart: always` a daemon restart would
      // otherwise bring it back beside the live one. Set before the stop, so a kill between the
      // two leaves nothing that comes back; starting it again restores the policy.
      if (action.kind === 'stop' && action.role === 'app') await engine.setRestartPolicy(id, 'no');
      if (isActive(action.observed!.state as ContainerState)) {
        containerEvent(state.deps.events, 'container.terminating', who);
        const since = state.deps.clock.now();
        await engine.stopContainer(id, graceOf(state, action));
        state.result.stopped.push(action.name);
        containerEvent(state.deps.events, 'container.terminated', who, state.deps.clock.now() - since);
      }
      if (action.kind === 'remove') {
        await engine.removeContainer(id, { force: true, removeAnonymousVolumes: action.role === 'app' });
        state.result.removed.push(action.name);
        containerEvent(state.deps.events, 'container.cleaned_up', who);
      }
    }),
  );
  state.result.removed.push(...(await dropReplaced(engine, state.journal)));
  state.result.kept.push(
    ...state.plan.actions
      .filter((a) => a.reason === 'previous_generation' && a.resource === 'container')
      .map((a) => a.name),
  );
  const stops = actions.filter((a) => a.kind === 'stop').length;
  const removes = actions.length - stops;
  return actions.length === 0 ? 'nothing to retire' : `stopped ${stops}, removed ${removes}`;
}

function graceOf(state: RunState, action: Action): number {
  const service = state.spec.apps.services.find((s) => s.name === action.service);
  return service?.stopGracePeriodMs ?? DEFAULT_GRACE_MS;
}
