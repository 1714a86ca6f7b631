import type { RawLabels, RawStringOrList } from './raw.js';
import { splitShellWords } from './shell-words.js';

/** Compose labels: `{key: value}` or `["key=value"]` (`"key"` alone is an empty value). */
export function parseLabels(raw: RawLabels | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const eq = item.indexOf('=');
      if (eq < 0) labels[item] = '';
      else labels[item.slice(0, eq)] = item.slice(eq + 1);
    }
  } else if (raw) {
    for (const [key, value] of Object.entries(raw)) labels[key] = String(value);
  }
  return sortedRecord(labels);
}

/** Names from a Compose list-or-map (`networks:`, `depends_on:`), in the order written. */
export function namesOf(raw: string[] | Record<string, unknown> | undefined): string[] {
  if (Array.isArray(raw)) return [...raw];
  return raw ? Object.keys(raw) : [];
}

/** `command:` / `entrypoint:`: a list as is, a string split like a shell would. */
export function parseCommand(raw: RawStringOrList | undefined): { words?: string[]; error?: string } {
  if (raw === undefined) return {};
  if (Array.isArray(raw)) return { words: [...raw] };
  const split = splitShellWords(raw);
  return 'error' in split ? { error: split.error } : { words: split.words };
}

export function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] ?? '';
  return out;
}
