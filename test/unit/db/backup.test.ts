import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBackup, takeBackup } from '../../../src/db/backup.js';
import { resolveDbTarget } from '../../../src/db/target.js';
import { RecordingIoHost } from '../../../src/io/io-host.js';
import { FakePg, appliedEngine, dbSpec, tempDir, testClock } from './db-fixture.js';

async function setup(keep = 3) {
  const dir = await tempDir();
  const spec = dbSpec(join(dir, 'backups'), keep);
  const clock = testClock();
  const engine = appliedEngine(spec, clock);
  const pg = new FakePg();
  engine.onExec(pg.handler);
  const io = new RecordingIoHost();
  return { dir, spec, clock, engine, pg, io, backups: join(dir, 'backups') };
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  return p.then(
    () => expect.unreachable('expected a failure'),
    (err: { code: string; message: string }) => err,
  );
}

describe('runBackup', () => {
  it('streams pg_dump -Fc into <project>_<db>_<UTC>.dump with a matching .sha256', async () => {
    const { spec, clock, engine, pg, io, backups } = await setup();
    const result = await runBackup({ spec }, { engine, io, clock });

    const name = 'shop_db_20261123T080000Z.dump';
    expect(result.path).toBe(join(backups, name));
    const content = await readFile(result.path);
    expect(content.equals(pg.dumpBytes)).toBe(true);
    const sha = createHash('sha256').update(pg.dumpBytes).digest('hex');
    expect(result).toMatchObject({ bytes: pg.dumpBytes.length, sha256: sha, deleted: [] });
    expect(await readFile(`${result.path}.sha256`, 'utf8')).toBe(`${sha}  ${name}\n`);
    expect((await readdir(backups)).sort()).toEqual([name, `${name}.sha256`]);

    const dump = pg.calls.find((c) => c.tool === 'pg_dump')!;
    expect(dump.args).toEqual(['--format=custom', '--username', 'shop', '--dbname', 'shop']);
    // The password reaches pg_dump through the exec environment, never the command line.
    expect(dump.env).toEqual({ PGPASSWORD: 'pw-secret' });
    expect(io.steps.map((s) => s.title)).toEqual([
      'Check shop_db and free space',
      'Dump shop from shop_db',
      'Retention (keep 3)',
    ]);
  });

  it('with verbose, reports exact row counts', async () => {
    const { spec, clock, engine, pg, io } = await setup();
    pg.rowCounts = [
      ['public.items', 7],
      ['public.orders', 0],
    ];
    const result = await runBackup({ spec, verbose: true }, { engine, io, clock });
    expect(result.tables).toEqual([
      { table: 'public.items', rows: 7 },
      { table: 'public.orders', rows: 0 },
    ]);
  });

  it('keeps the newest backups.keep of its own dumps', async () => {
    const { spec, clock, engine, io, backups } = await setup(2);
    const paths: string[] = [];
    for (let i = 0; i < 4; i++) {
      paths.push((await runBackup({ spec }, { engine, io, clock })).path);
      clock.advance(60_000);
    }
    expect(paths.map((p) => p.slice(-21))).toEqual([
      '20261123T080000Z.dump',
      '20261123T080100Z.dump',
      '20261123T080200Z.dump',
      '20261123T080300Z.dump',
    ]);
    expect((await readdir(backups)).sort()).toEqual(
      paths
        .slice(2)
        .flatMap((p) => [p.slice(backups.length + 1), `${p.slice(backups.length + 1)}.sha256`])
        .sort(),
    );
  });

  it('never overwrites a dump of the same second: it waits for the next one', async () => {
    const { spec, clock, engine, io } = await setup();
    const first = await runBackup({ spec }, { engine, io, clock });
    const second = await runBackup({ spec }, { engine, io, clock });
    expect(first.path).toMatch(/080000Z\.dump$/);
    expect(second.path).toMatch(/080001Z\.dump$/);
  });

  it('leaves no file when pg_dump fails, and says so', async () => {
    const { spec, clock, engine, pg, io, backups } = await setup();
    pg.dumpExit = 1;
    const err = await rejection(runBackup({ spec }, { engine, io, clock }));
    expect(err.code).toBe('BACKUP_FAILED');
    expect(err.message).toMatch(
      /pg_dump of database shop in shop_db failed with exit code 1 \(pg_dump: error: connection lost\)\. The partial dump was removed/,
    );
    expect(await readdir(backups)).toEqual([]);
  });

  it('leaves no file when interrupted mid-stream', async () => {
    const { spec, clock, engine, io, backups } = await setup();
    const ctrl = new AbortController();
    engine.onExec(async (_c, cmd, opts) => {
      if (cmd[0] !== 'pg_dump') return new FakePg().handler(_c, cmd, opts);
      opts.stdout!.write(Buffer.from('PGDMP partial'));
      ctrl.abort();
      throw Object.assign(new Error('stopped waiting'), { code: 'INTERRUPTED' });
    });
    const err = await rejection(runBackup({ spec }, { engine, io, clock, signal: ctrl.signal }));
    expect(err.code).toBe('INTERRUPTED');
    expect(err.message).toMatch(/partial dump was removed/);
    expect(await readdir(backups)).toEqual([]);
  });

  it('refuses with NO_SPACE before writing when the database is larger than the free space', async () => {
    const { spec, clock, engine, pg, io, backups } = await setup();
    pg.databaseSize = 5_000_000;
    const target = resolveDbTarget(spec);
    const stage = (title: string, run: (u: (t: string) => void) => Promise<string>): Promise<void> =>
      io.step(title, run).then(() => undefined);
    const err = await rejection(
      takeBackup(
        spec,
        target,
        { engine, io, clock },
        { stage, statfs: () => Promise.resolve({ bavail: 1000, bsize: 4096 }) },
      ),
    );
    expect(err.code).toBe('NO_SPACE');
    expect(err.message).toContain(
      `not enough free space for a backup in ${backups}: database shop in shop_db takes 5.0 MB and only 4.1 MB is free there`,
    );
    expect(pg.calls.map((c) => c.tool)).not.toContain('pg_dump');
    expect(await readdir(backups)).toEqual([]);
  });

  it('refuses when the database container is not running, without writing', async () => {
    const { spec, clock, engine, io } = await setup();
    await engine.stopContainer('shop_db', 0);
    const err = await rejection(runBackup({ spec }, { engine, io, clock }));
    expect(err.code).toBe('BACKUP_FAILED');
    expect(err.message).toMatch(
      /database container shop_db \(service db\) is exited, so there is nothing to dump; nothing was written/,
    );
  });

  it('removes temporary files an earlier killed backup left behind', async () => {
    const { spec, clock, engine, io, backups } = await setup();
    await runBackup({ spec }, { engine, io, clock });
    clock.advance(1000);
    await writeFile(join(backups, '.shop_db_20261123T070000Z.dump.partial'), 'half');
    await runBackup({ spec }, { engine, io, clock });
    expect((await readdir(backups)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('fails clearly when the spec has no database service', async () => {
    const { spec, clock, engine, io } = await setup();
    spec.infra.services = spec.infra.services.map((s) => ({ ...s, database: undefined }));
    const err = await rejection(runBackup({ spec }, { engine, io, clock }));
    expect(err.code).toBe('DB_NOT_CONFIGURED');
  });
});
