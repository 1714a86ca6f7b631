import { assertMayDestroy, checkAbort } from './guard.js';
import { containerEvent } from './lifecycle.js';
import { actionsIn, type RunState } from './run-state.js';

/**
 * Pre-deploy cleanup: removes this project's non-running app containers outside the kept
 * generations, so names and disk are free before anything new starts.
 */
export async function runCleanup(state: RunState, update: (text: string) => void): Promise<string> {
  const { engine } = state.deps;
  const removals = actionsIn(state, 'cleanup').filter((a) => a.kind === 'remove' && a.observed);
  if (removals.length > 0) checkAbort(state, 'during the pre-deploy cleanup');
  for (const action of removals) assertMayDestroy(state, action);
  // Independent removals of stopped containers: in parallel, as the engine allows.
  await Promise.all(
    removals.map(async (action) => {
      update(`removing ${action.name}`);
      await engine.removeContainer(action.observed!.id, { removeAnonymousVolumes: action.role === 'app' });
      state.result.removed.push(action.name);
      containerEvent(state.deps.events, 'container.cleaned_up', {
        name: action.name,
        service: action.service,
      });
    }),
  );
  return removals.length === 0 ? 'nothing to clean up' : `removed ${removals.length} old container(s)`;
}
