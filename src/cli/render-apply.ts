import type { ApplyResult } from '../apply/result.js';
import { formatDuration } from '../util/clock.js';
import type { Style } from './style.js';

/** The closing summary of an apply: what changed, what was kept, how long each phase took. */
export function renderApplySummary(result: ApplyResult, style: Style): string {
  const lines = [
    style.bold(`Apply complete: generation ${result.deployId} of ${result.project} is serving.`),
  ];
  const row = (label: string, names: string[]): void => {
    if (names.length > 0) lines.push(`  ${label.padEnd(9)} ${names.join(', ')}`);
  };
  row('created', result.created);
  row('started', result.started);
  row('replaced', result.replaced);
  row('pulled', result.pulled);
  row('stopped', result.stopped);
  row('removed', result.removed);
  row('kept', result.kept);
  row('serving', result.serving);
  lines.push(
    `  ${'timings'.padEnd(9)} ${result.phases.map((p) => `${p.phase} ${formatDuration(p.ms)}`).join(', ')}`,
  );
  return lines.join('\n');
}
