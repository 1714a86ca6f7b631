import { switchTraffic } from '../traffic/switch.js';
import { checkAbort } from './guard.js';
import type { RunState } from './run-state.js';

/**
 * Routes the proxy (spec `proxy:`) to the new generation, which the deploy phase has proven
 * healthy. Ctrl+C before this point rolls the new generation back without it ever getting
 * traffic; a failure here does the same, and the proxy keeps routing to the old generation.
 */
export async function runTraffic(state: RunState): Promise<string> {
  checkAbort(state, 'before routing traffic to the new generation');
  return switchTraffic(state.deps.engine, state.spec, state.plan.deployId);
}
