import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { backupNamePattern } from '../db/backup-name.js';
import type { Spec } from '../spec/model.js';

/**
 * What a rollback says about the database it never touches: that the data stays as it is now,
 * and how to put it back too if the rolled-back version needs older data (restore-db with the
 * newest of deployctl's own backups in backups.dir, when there is one).
 */
export async function databaseNote(spec: Spec): Promise<string> {
  const dbs = spec.infra.services.filter((s) => s.database);
  if (dbs.length === 0) return 'Infrastructure is never touched by a rollback.';
  const newest = await newestBackup(
    spec,
    dbs.map((s) => s.name),
  );
  const where = newest
    ? `the newest backup is ${newest}: \`deployctl restore-db ${newest}\``
    : `no backup was found in ${spec.backups.dir}; \`deployctl backup\` makes one, \`deployctl restore-db DUMP\` puts one back`;
  return (
    'Infrastructure is never touched by a rollback, and the DATABASE IS NOT ROLLED BACK: ' +
    `${dbs.map((s) => s.name).join(', ')} keep${dbs.length === 1 ? 's' : ''} today's data and schema. ` +
    `If the older version needs older data, restore it separately (${where}).`
  );
}

/** The newest dump deployctl wrote for one of these database services, by the stamp in its name. */
export async function newestBackup(spec: Spec, services: string[]): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(spec.backups.dir);
  } catch {
    return undefined; // no backups dir yet
  }
  let best: { name: string; stamp: string } | undefined;
  for (const service of services) {
    const pattern = backupNamePattern(spec.project, service);
    for (const name of names) {
      const stamp = pattern.stampOf(name);
      if (stamp !== undefined && (!best || stamp > best.stamp)) best = { name, stamp };
    }
  }
  return best ? join(spec.backups.dir, best.name) : undefined;
}
