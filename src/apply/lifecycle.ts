import type { ContainerEventName } from '../events/event.js';
import type { EventSink } from '../events/sink.js';

/**
 * Container lifecycle events of a run (SPEC.md: created, ready, terminating, terminated,
 * cleaned_up). A run that is not recorded has no sink, and nothing happens.
 */
export function containerEvent(
  events: EventSink | undefined,
  event: ContainerEventName,
  container: { name: string; service?: string },
  durationMs?: number,
): void {
  events?.emit({
    event,
    container: container.name,
    ...(container.service ? { service: container.service } : {}),
    ...(durationMs !== undefined ? { duration_ms: Math.max(0, Math.round(durationMs)) } : {}),
  });
}
