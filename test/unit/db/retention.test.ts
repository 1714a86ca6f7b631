import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backupFileName,
  backupNamePattern,
  checksumFileName,
  tempFileName,
} from '../../../src/db/backup-name.js';
import { pruneBackups, removeStaleTemps } from '../../../src/db/retention.js';
import { tempDir } from './db-fixture.js';

const at = (iso: string): number => Date.parse(iso);

async function touch(dir: string, names: string[]): Promise<void> {
  for (const n of names) await writeFile(join(dir, n), n);
}

describe('backup names', () => {
  it('are <project>_<db service>_<UTC yyyymmddTHHMMSSZ>.dump', () => {
    expect(backupFileName('sancho', 'db', at('2026-11-23T08:00:05.789Z'))).toBe(
      'sancho_db_20261123T080005Z.dump',
    );
    expect(checksumFileName('sancho_db_20261123T080005Z.dump')).toBe(
      'sancho_db_20261123T080005Z.dump.sha256',
    );
    expect(tempFileName('sancho_db_20261123T080005Z.dump')).toBe('.sancho_db_20261123T080005Z.dump.partial');
  });

  it('match strictly: only this project and database service, only complete names', () => {
    const p = backupNamePattern('sancho', 'db');
    expect(p.stampOf('sancho_db_20261123T080005Z.dump')).toBe('20261123T080005Z');
    for (const other of [
      'sancho_db_20261123T080005Z.dump.sha256',
      'sancho_db_20261123T080005Z.dump.gz',
      'old_sancho_db_20261123T080005Z.dump',
      'sancho_db2_20261123T080005Z.dump',
      'sancho_db_2026-11-23.dump',
      'sancho_db_20261123T080005.dump',
      'xsancho_db_20261123T080005Z.dump',
      '.sancho_db_20261123T080005Z.dump.partial',
    ]) {
      expect(p.stampOf(other), other).toBeUndefined();
    }
    expect(p.isTemp('.sancho_db_20261123T080005Z.dump.partial')).toBe(true);
    expect(p.isTemp('.sancho_db_20261123T080005Z.dump.sha256.partial')).toBe(true);
    expect(p.isTemp('.other_db_20261123T080005Z.dump.partial')).toBe(false);
  });

  it('treat regex characters in names literally', () => {
    expect(backupNamePattern('a.b', 'db').stampOf('axb_db_20261123T080005Z.dump')).toBeUndefined();
  });
});

describe('retention', () => {
  const ours = (stamps: string[]): string[] =>
    stamps.flatMap((s) => [`shop_db_${s}.dump`, `shop_db_${s}.dump.sha256`]);

  it('keeps the newest `keep` of our dumps with their .sha256 and never touches other files', async () => {
    const dir = await tempDir();
    const foreign = [
      'notes.txt',
      'shop_db_manual.dump',
      'other_db_20200101T000000Z.dump',
      'shop_db_20200101T000000Z.dump.gz',
      'shop_db2_20200101T000000Z.dump',
    ];
    // Written out of order: age comes from the name, not from the file's mtime.
    await touch(dir, [
      ...ours(['20261123T080003Z', '20261123T080001Z', '20261123T080004Z', '20261123T080002Z']),
      ...foreign,
    ]);

    const deleted = await pruneBackups({ dir, project: 'shop', service: 'db', keep: 2 });

    expect(deleted.sort()).toEqual([
      join(dir, 'shop_db_20261123T080001Z.dump'),
      join(dir, 'shop_db_20261123T080002Z.dump'),
    ]);
    expect((await readdir(dir)).sort()).toEqual(
      [...ours(['20261123T080003Z', '20261123T080004Z']), ...foreign].sort(),
    );
  });

  it('does nothing while there are no more than `keep`, and never deletes a protected path', async () => {
    const dir = await tempDir();
    await touch(dir, ours(['20261123T080001Z', '20261123T080002Z', '20261123T080003Z']));
    expect(await pruneBackups({ dir, project: 'shop', service: 'db', keep: 3 })).toEqual([]);
    const deleted = await pruneBackups({
      dir,
      project: 'shop',
      service: 'db',
      keep: 1,
      protect: [join(dir, 'shop_db_20261123T080001Z.dump')],
    });
    expect(deleted).toEqual([join(dir, 'shop_db_20261123T080002Z.dump')]);
    expect((await readdir(dir)).sort()).toEqual(ours(['20261123T080001Z', '20261123T080003Z']).sort());
  });

  it('keeps at least the newest dump even with keep 0', async () => {
    const dir = await tempDir();
    await touch(dir, ours(['20261123T080001Z', '20261123T080002Z']));
    await pruneBackups({ dir, project: 'shop', service: 'db', keep: 0 });
    expect((await readdir(dir)).sort()).toEqual(ours(['20261123T080002Z']).sort());
  });

  it('removes temporary files a killed backup left, and only those', async () => {
    const dir = await tempDir();
    await touch(dir, [
      '.shop_db_20261123T080001Z.dump.partial',
      '.shop_db_20261123T080001Z.dump.sha256.partial',
      '.other_db_20261123T080001Z.dump.partial',
      'shop_db_20261123T080002Z.dump',
    ]);
    expect((await removeStaleTemps(dir, 'shop', 'db')).sort()).toEqual([
      '.shop_db_20261123T080001Z.dump.partial',
      '.shop_db_20261123T080001Z.dump.sha256.partial',
    ]);
    expect((await readdir(dir)).sort()).toEqual([
      '.other_db_20261123T080001Z.dump.partial',
      'shop_db_20261123T080002Z.dump',
    ]);
  });
});
