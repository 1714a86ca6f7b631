import { diffWordsWithSpace } from 'diff';
import type { FieldChange } from './actions.js';
import { SENSITIVE } from './field-changes.js';
import type { Style } from './style.js';

/**
 * One changed field as a line: `~ field: before → after`, with the words that differ in red
 * (before) and green (after) so a long value shows where it moved. Both sides stay whole, so
 * the line still reads right without colours. Secrets show only as `(sensitive)`.
 */
export function renderChange(change: FieldChange, style: Style): string {
  const field = change.field;
  if (change.sensitive) {
    const sign = change.before === undefined ? '+' : change.after === undefined ? '-' : '~';
    return `${colour(sign, style)} ${field}: ${style.dim(SENSITIVE)}`;
  }
  if (change.before === undefined) return `${style.green('+')} ${field}: ${style.green(change.after ?? '')}`;
  if (change.after === undefined) return `${style.red('-')} ${field}: ${style.red(change.before)}`;
  const parts = diffWordsWithSpace(change.before, change.after);
  const before = parts
    .filter((p) => !p.added)
    .map((p) => (p.removed ? style.red(p.value) : p.value))
    .join('');
  const after = parts
    .filter((p) => !p.removed)
    .map((p) => (p.added ? style.green(p.value) : p.value))
    .join('');
  return `${style.yellow('~')} ${field}: ${before} → ${after}`;
}

function colour(sign: string, style: Style): string {
  return sign === '+' ? style.green(sign) : sign === '-' ? style.red(sign) : style.yellow(sign);
}
