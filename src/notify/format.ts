import type { LifecycleEvent } from '../events/event.js';
import { formatDuration } from '../util/clock.js';

/** Slack's `{"text": …}`: one line a person reads in a channel. */
export function slackText(e: LifecycleEvent): string {
  const [command, outcome] = splitEvent(e.event);
  const icon =
    outcome === 'succeeded' ? '✅' : outcome === 'started' ? '▶️' : outcome === 'interrupted' ? '⏹️' : '❌';
  const parts = [
    `${icon} ${e.project}: ${command} ${outcome.replace('_', ' ')}`,
    `deploy ${e.deploy_id}`,
    `revision ${e.revision}`,
  ];
  if (e.service) parts.push(`service ${e.service}`);
  if (e.duration_ms !== undefined) parts.push(`took ${formatDuration(e.duration_ms)}`);
  const head = parts.join(' · ');
  return e.error ? `${head} — ${e.error.code}: ${e.error.message.split('\n')[0]}` : head;
}

function splitEvent(name: string): [string, string] {
  const i = name.lastIndexOf('.');
  return [name.slice(0, i).replace(/_/g, '-'), name.slice(i + 1)];
}
