import { DeployctlError, InterruptedError } from '../errors.js';
import type { Action } from '../plan/actions.js';
import type { RunState } from './run-state.js';

/**
 * Last line of defence, right before each destructive engine call: the planner and the
 * whole-plan protection check have already refused these, so reaching here is a bug.
 */
export function assertMayDestroy(state: RunState, action: Action): void {
  const destructive = action.kind === 'stop' || action.kind === 'remove' || action.kind === 'replace';
  if (!destructive || !action.protected) return;
  if (action.kind === 'replace' && action.service && state.plan.replace.includes(action.service)) return;
  throw new DeployctlError(
    'PROTECTED_CONFLICT',
    `refusing to ${action.kind} protected ${action.resource} ${action.name}: protected resources are never stopped or removed ` +
      `(only --replace SERVICE recreates an infra container). This is a bug in deployctl; please report it with the plan (deployctl plan --json).`,
  );
}

export function checkAbort(state: RunState, where: string): void {
  if (state.deps.signal?.aborted) throw new InterruptedError(`interrupted ${where}`);
}
