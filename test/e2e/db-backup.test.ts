/**
 * deployctl backup against the real engine: the file deployctl writes (name, content, .sha256,
 * permissions), --verbose and --json, retention among other files, the project lock, and that
 * a failed, refused (no space) or interrupted backup leaves no partial file. One stack, scenarios in sequence.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployctl, startCli } from './support/cli.js';
import { cleanupProject, docker, waitForHealth } from './support/engine.js';
import { holdLockElsewhere, seedItems, startDbStack, type DbStack } from './db-stack.js';

let stack: DbStack;
let apps: string[];
const DUMP = /^e2e_dbbackup_[a-z0-9]{6}_db_\d{8}T\d{6}Z\.dump$/;

beforeAll(async () => {
  stack = await startDbStack('dbbackup', { keep: 2 });
  await seedItems(stack, 1234);
  apps = await stack.runningApps();
  expect(apps).toHaveLength(1);
});

afterAll(async () => {
  if (stack) await cleanupProject(stack.project);
});

const dumps = async (): Promise<string[]> =>
  (await readdir(stack.backups).catch(() => [] as string[])).sort();

describe('deployctl backup on a real Postgres', () => {
  it('writes <project>_<db>_<UTC>.dump, a custom dump, 0600, with a matching sha256sum line', async () => {
    const run = await stack.cli(['backup', '--verbose']);
    expect(run.code, run.stderr).toBe(0);
    const [name, checksum, ...rest] = await dumps();
    expect(rest).toEqual([]);
    expect(name).toMatch(DUMP);
    expect(checksum).toBe(`${name}.sha256`);
    const content = await readFile(join(stack.backups, name!));
    expect(content.subarray(0, 5).toString()).toBe('PGDMP');
    const sha = createHash('sha256').update(content).digest('hex');
    expect(await readFile(join(stack.backups, checksum!), 'utf8')).toBe(`${sha}  ${name}\n`);
    expect((await stat(join(stack.backups, name!))).mode & 0o777).toBe(0o600);
    expect(run.stdout).toContain(`Backup written: ${join(stack.backups, name!)}`);
    expect(run.stdout).toContain('rows      public.items 1234');
    expect(run.stderr).toMatch(/\[COMPLETED\] \[\d\d:\d\d:\d\d\] Dump shop from e2e_dbbackup_\w+_db/);
    // The DB password never shows.
    expect(run.stdout + run.stderr).not.toContain('e2e-db-password');
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('--json prints the result object', async () => {
    const run = await stack.cli(['backup', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      status: string;
      path: string;
      bytes: number;
      sha256: string;
      durationMs: number;
      deleted: string[];
    };
    expect(result.status).toBe('ok');
    expect(result.path.startsWith(stack.backups)).toBe(true);
    expect(result.bytes).toBe((await stat(result.path)).size);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('retention keeps the newest backups.keep dumps with their .sha256 and never touches other files', async () => {
    const foreign = [
      'notes.txt',
      `${stack.project}_db_manual.dump`,
      'other_db_20200101T000000Z.dump',
      `${stack.project}_db_20200101T000000Z.dump.gz`,
    ];
    for (const f of foreign) await writeFile(join(stack.backups, f), f);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await stack.cli(['backup', '--json']);
      expect(run.code, run.stderr).toBe(0);
      made.push((JSON.parse(run.stdout) as { path: string }).path);
    }
    const newest = made.slice(-2).map((p) => p.slice(stack.backups.length + 1));
    expect(await dumps()).toEqual([...foreign, ...newest.flatMap((n) => [n, `${n}.sha256`])].sort());
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('waits for nothing and exits 3 while another run holds the project lock', async () => {
    const lock = await holdLockElsewhere(stack.project);
    try {
      const before = await dumps();
      const run = await stack.cli(['backup']);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/LOCK_HELD.*deployctl apply on host elsewhere/);
      expect(await dumps()).toEqual(before);
    } finally {
      await lock.release();
    }
  });

  it('Ctrl+C in the middle of a dump exits 130 and leaves no partial file', async () => {
    // Enough incompressible rows that pg_dump takes seconds.
    await stack.sql(
      'CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS t FROM generate_series(1, 400000) g',
    );
    const before = await dumps();
    const { child, done } = startCli(['backup', '-f', stack.specPath], { cwd: stack.dir });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/kB written|MB written/.test(stderr) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const run = await done;
    await stack.sql('DROP TABLE big');
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/INTERRUPTED.*partial dump was removed/);
    expect(await dumps()).toEqual(before);
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('refuses with NO_SPACE before writing when the database cannot fit where backups go', async () => {
    // A 256 KiB filesystem under backups.dir: far smaller than any Postgres database.
    const before = await dumps();
    const small = join(stack.dir, 'small');
    await mkdir(small, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
    try {
      const spec = (await readFile(stack.specPath, 'utf8')).replace('dir: ./backups', 'dir: ./small');
      const specPath = join(stack.dir, 'small.yaml');
      await writeFile(specPath, spec);
      const run = await deployctl(['backup', '-f', specPath], { cwd: stack.dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /NO_SPACE.*not enough free space for a backup in .*small: database shop in e2e_dbbackup_\w+_db takes [\d.]+ MB and only 262.1 kB is free there.*Nothing was written/s,
      );
      expect(await readdir(small)).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
    expect(await dumps()).toEqual(before);
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('fails with BACKUP_FAILED and writes nothing when the database container is stopped', async () => {
    const before = await dumps();
    await docker.getContainer(stack.db).stop({ t: 5 });
    try {
      const run = await stack.cli(['backup']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /BACKUP_FAILED.*database container e2e_dbbackup_\w+_db \(service db\) is exited.*nothing was written/,
      );
      expect(await dumps()).toEqual(before);
    } finally {
      await docker.getContainer(stack.db).start();
      await waitForHealth(stack.db, 'healthy');
    }
    expect(await stack.runningApps()).toEqual(apps);
  });
});
