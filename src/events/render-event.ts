import type { LifecycleEvent } from './event.js';

/** One event as a log line: time, revision, deploy id, event, and what it concerns. */
export function renderEventLine(e: LifecycleEvent): string {
  const parts = [e.ts, `r${e.revision}`, e.deploy_id, e.event];
  if (e.container) parts.push(e.container);
  else if (e.service) parts.push(e.service);
  if (e.duration_ms !== undefined) parts.push(`${e.duration_ms}ms`);
  const head = parts.join('  ');
  return e.error ? `${head}  ${e.error.code}: ${e.error.message.replace(/\s+/g, ' ')}` : head;
}

/** `--since 10m` or an ISO timestamp, as epoch milliseconds; undefined when it is neither. */
export function sinceToMs(
  value: string,
  now: number,
  parseDuration: (v: string) => number | undefined,
): number | undefined {
  const d = parseDuration(value);
  if (d !== undefined) return now - d;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}
