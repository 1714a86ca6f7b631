/**
 * restore-db against the real engine and the debootstrapped Postgres: a round trip restores
 * identical data, and every bad input is rejected (or rolled back) with the data unchanged and
 * the app generation running. One stack, scenarios in sequence.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './support/cli.js';
import { cleanupProject, docker } from './support/engine.js';
import { holdLockElsewhere, plainDump, seedItems, startDbStack, type DbStack } from './db-stack.js';

let stack: DbStack;
let apps: string[];
/** A good custom dump of the seeded data, made by `deployctl backup`. */
let good = '';
let goodChecksum = '';

beforeAll(async () => {
  stack = await startDbStack('dbrestore');
  await seedItems(stack, 2000);
  goodChecksum = await stack.checksum();
  const backup = await stack.cli(['backup', '--json']);
  expect(backup.code, backup.stderr).toBe(0);
  good = (JSON.parse(backup.stdout) as { path: string }).path;
  apps = await stack.runningApps();
  expect(apps).toHaveLength(1);
});

afterAll(async () => {
  if (stack) await cleanupProject(stack.project);
});

/** name -> State.StartedAt of the running app containers: unchanged means never restarted. */
async function appStartTimes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await stack.runningApps())
    out[name] = (await docker.getContainer(name).inspect()).State.StartedAt;
  return out;
}

/** The data changed after the backup: restores must bring back `goodChecksum`. */
async function changeData(): Promise<string> {
  await stack.sql("DELETE FROM items WHERE id > 1500; UPDATE items SET name = 'changed' WHERE id < 10;");
  const changed = await stack.checksum();
  expect(changed).not.toBe(goodChecksum);
  return changed;
}

/** Runs restore-db expecting a refusal: exit 1, the data as `before`, the same apps running. */
async function expectRefused(
  file: string,
  before: string,
  message: RegExp,
  extra: string[] = [],
): Promise<string> {
  const run = await stack.cli(['restore-db', file, '-y', ...extra]);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(message);
  expect(await stack.checksum()).toBe(before);
  expect(await stack.runningApps()).toEqual(apps);
  return run.stderr;
}

describe('restore-db on a real Postgres', () => {
  it('backup -> change data -> restore-db brings back identical data, apps running after', async () => {
    await changeData();
    const run = await stack.cli(['restore-db', good, '-y']);
    expect(run.code, run.stderr).toBe(0);
    expect(await stack.checksum()).toBe(goodChecksum);
    expect(run.stdout).toContain('Restore complete');
    expect(run.stdout).toContain('rows           public.items 2000');
    expect(run.stdout).toMatch(/safety backup {2}\S+\/backups\/e2e_dbrestore_\w+_db_\d{8}T\d{6}Z\.dump/);
    // Each step reported as a timestamped plain line in CI.
    for (const step of [
      'Check ',
      'List the dump',
      'Database container',
      'Safety backup',
      'Stop the app generation',
      'Restore into shop (one transaction)',
      'Verify shop',
      'Start the app generation again',
    ]) {
      expect(run.stderr).toMatch(
        new RegExp(`\\[COMPLETED\\] \\[\\d\\d:\\d\\d:\\d\\d\\] ${step.replace(/[()]/g, '\\$&')}`),
      );
    }
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('the safety backup holds the data from before the restore and can be put back', async () => {
    const before = await changeData();
    const run = await stack.cli(['restore-db', good, '-y', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      safetyBackup: string;
      tables: { table: string; rows: number }[];
      appsStopped: string[];
      appsRestarted: string[];
    };
    expect(result.tables).toEqual([{ table: 'public.items', rows: 2000 }]);
    expect(result.appsStopped).toEqual(apps);
    expect(result.appsRestarted).toEqual(apps);
    const back = await stack.cli(['restore-db', result.safetyBackup, '-y', '--no-safety-backup']);
    expect(back.code, back.stderr).toBe(0);
    expect(await stack.checksum()).toBe(before);
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('--keep-apps-running restores without stopping the app generation', async () => {
    await changeData();
    const started = await appStartTimes();
    const run = await stack.cli([
      'restore-db',
      good,
      '-y',
      '--no-safety-backup',
      '--keep-apps-running',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { safetyBackup?: string; appsStopped: string[] };
    expect(result.safetyBackup).toBeUndefined();
    expect(result.appsStopped).toEqual([]);
    expect(await stack.checksum()).toBe(goodChecksum);
    // Same containers, never restarted.
    expect(await appStartTimes()).toEqual(started);
  });

  it('refuses without -y and without a terminal, changing nothing', async () => {
    const before = await stack.checksum();
    const run = await stack.cli(['restore-db', good]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/NOT_CONFIRMED.*nothing was changed.*--yes \(-y\)/);
    expect(await stack.checksum()).toBe(before);
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('checks the file beside the lock, then exits 3 while another run holds it, changing nothing', async () => {
    const before = await changeData();
    const started = await appStartTimes();
    const lock = await holdLockElsewhere(stack.project);
    try {
      const run = await stack.cli(['restore-db', good, '-y']);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/LOCK_HELD.*deployctl apply on host elsewhere.*Nothing was changed/);
      // Step 1 ran (it only reads); nothing after it did.
      expect(run.stderr).toMatch(/Check .*sha256 matches/);
      expect(run.stderr).toMatch(/List the dump with pg_restore .*1 table/);
      expect(run.stderr).not.toMatch(/Safety backup|Stop the app generation/);
    } finally {
      await lock.release();
    }
    expect(await stack.checksum()).toBe(before);
    expect(await appStartTimes()).toEqual(started);
  });

  it('rejects a corrupt file (random bytes) before touching anything', async () => {
    const before = await stack.checksum();
    const file = join(stack.dir, 'corrupt.dump');
    await writeFile(
      file,
      Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff)),
    );
    await expectRefused(
      file,
      before,
      /DUMP_INVALID.*corrupt\.dump is not a database dump.*Nothing was changed/,
    );
  });

  it('rejects a .sha256 mismatch before touching anything', async () => {
    const before = await stack.checksum();
    const file = join(stack.dir, 'copy.dump');
    await copyFile(good, file);
    await writeFile(`${file}.sha256`, `${'f'.repeat(64)}  copy.dump\n`);
    await expectRefused(file, before, /does not match its checksum file .*copy\.dump\.sha256/);
  });

  it('rejects a gzip with a bad CRC before touching anything', async () => {
    const before = await stack.checksum();
    const plain = await plainDump(stack.db);
    const gz = gzipSync(plain);
    gz[gz.length - 6]! ^= 0x5a; // inside the CRC32 of the gzip trailer
    const file = join(stack.dir, 'bad-crc.sql.gz');
    await writeFile(file, gz);
    await expectRefused(file, before, /bad-crc\.sql\.gz is a damaged gzip file \(incorrect data check\)/);
  });

  it('a truncated custom dump is rejected or rolled back: data unchanged, apps running', async () => {
    const before = await changeData();
    const full = await readFile(good);
    const file = join(stack.dir, 'truncated.dump');
    await writeFile(file, full.subarray(0, Math.floor(full.length * 0.6)));
    const stderr = await expectRefused(file, before, /RESTORE_FAILED|DUMP_INVALID/);
    if (/RESTORE_FAILED/.test(stderr)) {
      expect(stderr).toMatch(/rolled back: the database is exactly as it was before/);
      expect(stderr).toMatch(
        /to put that data back: `deployctl restore-db \S+\.dump -f \S+deployctl\.yaml -y`/,
      );
    }
  });

  it('a plain SQL file failing half-way is rolled back as a whole: data unchanged, apps running', async () => {
    const before = await stack.checksum();
    const file = join(stack.dir, 'half.sql');
    await writeFile(
      file,
      "DELETE FROM items;\nINSERT INTO items VALUES (1, 'only');\nSELECT no_such_function();\nINSERT INTO items VALUES (2, 'never');\n",
    );
    const stderr = await expectRefused(
      file,
      before,
      /Error \[RESTORE_FAILED\]: restoring \S+half\.sql into shop failed: psql:<stdin>:3: ERROR: {2}function no_such_function\(\) does not exist/,
    );
    expect(stderr).toContain(
      'The restore ran in one transaction and was rolled back: the database is exactly as it was before.',
    );
    expect(stderr).toContain(`The apps were started again and are healthy: ${apps[0]}.`);
  });

  it('restores a gzipped plain SQL dump, whatever its name says', async () => {
    await stack.cli(['restore-db', good, '-y', '--no-safety-backup']);
    const plain = await plainDump(stack.db);
    await changeData();
    const file = join(stack.dir, 'looks-like-custom.dump');
    await writeFile(file, gzipSync(plain));
    const run = await stack.cli(['restore-db', file, '-y', '--no-safety-backup']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('(plain SQL, gzip)');
    expect(await stack.checksum()).toBe(goodChecksum);
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('Ctrl+C during the restore rolls it back, starts the apps again and exits 130', async () => {
    const before = await changeData();
    const file = join(stack.dir, 'slow.sql');
    await writeFile(file, 'DELETE FROM items;\nSELECT pg_sleep(60);\n');
    const { child, done } = startCli(['restore-db', file, '-y', '--no-safety-backup', '-f', stack.specPath], {
      cwd: stack.dir,
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/\[STARTED\] .* Restore into shop/.test(stderr) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000)); // well inside pg_sleep
    child.kill('SIGINT');
    const run = await done;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/INTERRUPTED.*rolled back: the database is exactly as it was before/);
    expect(run.ms).toBeLessThan(30_000);
    expect(await stack.checksum()).toBe(before);
    expect(await stack.runningApps()).toEqual(apps);
  });
});
