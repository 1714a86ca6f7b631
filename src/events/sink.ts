import type { LifecycleEvent } from './event.js';

/** Where a run's events go: the store on the engine host, a local file, webhooks. */
export interface EventSink {
  emit(
    event: Omit<LifecycleEvent, 'v' | 'ts' | 'project' | 'revision' | 'deploy_id'> & Partial<LifecycleEvent>,
  ): void;
}

/** Emits nothing: for code paths that run outside a recorded command (plan, status). */
export const noEvents: EventSink = { emit: () => undefined };
