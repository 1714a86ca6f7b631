import type { Engine } from '../engine/port.js';
import type { EventSink } from '../events/sink.js';
import type { IoHost } from '../io/io-host.js';
import type { Recorder } from '../revisions/recorder.js';
import type { Action, Plan } from '../plan/actions.js';
import type { ServiceSpec, Spec } from '../spec/model.js';
import type { Clock } from '../util/clock.js';
import type { Journal } from './journal.js';
import type { ApplyResult } from './result.js';

/** The ports an apply runs through. */
export interface ApplyDeps {
  engine: Engine;
  io: IoHost;
  clock: Clock;
  /** Aborted on Ctrl+C: the run stops after the current step and rolls back. */
  signal?: AbortSignal;
  /** Records the run (revision ledger and events on the engine host); absent in plain core tests. */
  recorder?: Recorder;
  /** Lifecycle events of the run being recorded (set by the recorder, not by callers). */
  events?: EventSink;
}

/** Shared by the phases of one apply. */
export interface RunState {
  spec: Spec;
  plan: Plan;
  deps: ApplyDeps;
  journal: Journal;
  result: ApplyResult;
  /** Canonical image ref -> local image id, filled by the images phase. */
  imageIds: Map<string, string>;
}

export function serviceOf(state: RunState, action: Action): ServiceSpec | undefined {
  const all = action.role === 'infra' ? state.spec.infra.services : state.spec.apps.services;
  return all.find((s) => s.name === action.service);
}

export function actionsIn(state: RunState, phase: Action['phase']): Action[] {
  return state.plan.actions.filter((a) => a.phase === phase && a.kind !== 'noop' && a.kind !== 'drift');
}
