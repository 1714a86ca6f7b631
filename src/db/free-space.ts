import { statfs } from 'node:fs/promises';
import { DeployctlError } from '../errors.js';
import { formatBytes } from './bytes.js';

export type StatFs = (path: string) => Promise<{ bavail: number; bsize: number }>;

/**
 * Refuses before writing a byte when the database cannot fit where its dump goes. The
 * database's on-disk size is the bound: a compressed custom dump is almost always smaller,
 * and refusing early beats filling the disk the database itself may live on.
 */
export async function checkFreeSpace(
  dir: string,
  databaseBytes: number,
  what: { database: string; container: string },
  fsStat: StatFs = statfs,
): Promise<{ freeBytes: number }> {
  const s = await fsStat(dir);
  const freeBytes = s.bavail * s.bsize;
  if (freeBytes < databaseBytes) {
    throw new DeployctlError(
      'NO_SPACE',
      `not enough free space for a backup in ${dir}: database ${what.database} in ${what.container} takes ${formatBytes(databaseBytes)} ` +
        `and only ${formatBytes(freeBytes)} is free there (the dump is usually smaller, but deployctl does not start one that may not fit). ` +
        'Nothing was written. Free some space (older dumps you keep elsewhere, for instance) or point backups.dir at a larger disk, then re-run.',
      { data: { dir, databaseBytes, freeBytes } },
    );
  }
  return { freeBytes };
}
