import { readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { backupNamePattern, checksumFileName } from './backup-name.js';

export interface RetentionOptions {
  dir: string;
  project: string;
  service: string;
  /** How many of the newest backups stay (at least 1: the one just written always stays). */
  keep: number;
  /** Absolute paths never deleted, e.g. the dump a restore is about to read. */
  protect?: string[];
}

/**
 * Keeps the `keep` newest of deployctl's own dumps for this project and database (newest by
 * the UTC stamp in the name, which sorts as text) and deletes the rest, each with its
 * `.sha256`. Files that do not match the strict name pattern are never looked at twice.
 * Returns the deleted dump paths.
 */
export async function pruneBackups(opts: RetentionOptions): Promise<string[]> {
  const pattern = backupNamePattern(opts.project, opts.service);
  const names = await readdir(opts.dir);
  const ours = names
    .flatMap((name) => {
      const stamp = pattern.stampOf(name);
      return stamp === undefined ? [] : [{ name, stamp }];
    })
    .sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
  const protectedPaths = new Set((opts.protect ?? []).map((p) => resolve(p)));
  const deleted: string[] = [];
  for (const { name } of ours.slice(Math.max(1, opts.keep))) {
    const path = join(opts.dir, name);
    if (protectedPaths.has(resolve(path))) continue;
    await unlink(path).catch(ignoreMissing);
    await unlink(join(opts.dir, checksumFileName(name))).catch(ignoreMissing);
    deleted.push(path);
  }
  return deleted;
}

/**
 * Removes temporary files a killed backup of this project and database left behind. Safe
 * because backups of one project never run concurrently: both hold the project lock.
 */
export async function removeStaleTemps(dir: string, project: string, service: string): Promise<string[]> {
  const pattern = backupNamePattern(project, service);
  const stale = (await readdir(dir)).filter((name) => pattern.isTemp(name));
  for (const name of stale) await unlink(join(dir, name)).catch(ignoreMissing);
  return stale;
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}
