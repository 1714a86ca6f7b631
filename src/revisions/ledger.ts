import type { StoredFile } from '../engine/port.js';
import type { ProjectStore } from './store.js';
import type { Revision } from './revision.js';

/**
 * The revision ledger: a ring of `keep` slots in the store, each revision two small files, a
 * start record written when the run begins and an end record when it ends. A kill -9 between
 * the two leaves the start record, which reads as `interrupted`; a torn file is skipped, so the
 * last good record wins. Revision n lives in slot n mod keep, which prunes the oldest by itself.
 * Written only under the project lock, so numbers never collide.
 */
export const DIR = 'revisions';
export const DEFAULT_HISTORY_KEEP = 100;

export function slotOf(number: number, keep: number): string {
  return String(number % keep).padStart(4, '0');
}

/** Every readable revision, newest first, at most `keep`. */
export async function readLedger(store: ProjectStore, keep = DEFAULT_HISTORY_KEEP): Promise<Revision[]> {
  return parseLedger(await store.read(DIR), keep);
}

export function parseLedger(
  files: { name: string; content: Buffer }[],
  keep = DEFAULT_HISTORY_KEEP,
): Revision[] {
  const starts = new Map<number, Revision>();
  const ends = new Map<number, Revision>();
  for (const f of files) {
    const rev = parseRecord(f.content);
    if (!rev) continue;
    if (f.name.endsWith('.end.json')) ends.set(rev.number, rev);
    else if (f.name.endsWith('.start.json')) starts.set(rev.number, rev);
  }
  const numbers = [...new Set([...starts.keys(), ...ends.keys()])].sort((a, b) => b - a).slice(0, keep);
  return numbers.map((n) => {
    const end = ends.get(n);
    if (end) return end;
    const start = starts.get(n)!;
    return { ...start, result: 'interrupted' as const };
  });
}

function parseRecord(content: Buffer): Revision | undefined {
  try {
    const value = JSON.parse(content.toString('utf8')) as Partial<Revision>;
    if (value.v !== 1 || typeof value.number !== 'number' || typeof value.kind !== 'string') return undefined;
    return value as Revision;
  } catch {
    return undefined; // torn or foreign: the last good record wins
  }
}

/** The start record as a file under the store's root, written together with the run's first event. */
export function startRecordFile(rev: Revision, keep: number): StoredFile {
  return { name: `${DIR}/${slotOf(rev.number, keep)}.start.json`, content: JSON.stringify(rev) };
}

/** The end record, next to the start record it completes, as a file under the store's root. */
export function endRecordFile(rev: Revision, keep: number): StoredFile {
  return { name: `${DIR}/${slotOf(rev.number, keep)}.end.json`, content: JSON.stringify(rev) };
}
