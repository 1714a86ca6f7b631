import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRestore, type RestoreRequest } from '../../../src/db/restore.js';
import { DeployctlError } from '../../../src/errors.js';
import { COMMITTED_MARKER } from '../../../src/db/plain-sql-stream.js';
import { LABEL } from '../../../src/engine/labels.js';
import type { ContainerDefinition } from '../../../src/engine/port.js';
import { RecordingIoHost } from '../../../src/io/io-host.js';
import { APPS, FakePg, appliedEngine, dbSpec, tempDir, testClock } from './db-fixture.js';

const CUSTOM = Buffer.concat([Buffer.from('PGDMP\x01\x0e\x00', 'latin1'), Buffer.alloc(5000, 1)]);

async function setup(opts: { keep?: number; dump?: Buffer | string; answer?: boolean } = {}) {
  const dir = await tempDir();
  const spec = dbSpec(join(dir, 'backups'), opts.keep ?? 3);
  const clock = testClock();
  const engine = appliedEngine(spec, clock);
  const pg = new FakePg();
  engine.onExec(pg.handler);
  const io = new RecordingIoHost(opts.answer ?? false);
  const dumpPath = join(dir, 'restore-me.bin');
  await writeFile(dumpPath, opts.dump ?? CUSTOM);
  const request = (over: Partial<RestoreRequest> = {}): RestoreRequest => ({
    spec,
    dumpPath,
    safetyBackup: true,
    keepAppsRunning: false,
    autoApprove: true,
    ...over,
  });
  const running = (): string[] => APPS.filter((n) => engine.container(n)?.state === 'running');
  const lifecycle = (): string[] =>
    engine.calls
      .filter((c) => c.method === 'stopContainer' || c.method === 'startContainer')
      .map(
        (c) =>
          `${c.method === 'stopContainer' ? 'stop' : 'start'} ${engine.container(c.args[0] as string)?.name ?? String(c.args[0])}`,
      );
  return {
    dir,
    spec,
    clock,
    engine,
    pg,
    io,
    dumpPath,
    request,
    running,
    lifecycle,
    deps: { engine, io, clock },
  };
}

async function rejection(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; exitCode: number; data?: Record<string, unknown> }> {
  return p.then(
    () => expect.unreachable('expected a failure'),
    (err: { code: string; message: string; exitCode: number }) => err,
  );
}

describe('runRestore, in the order of the runbook', () => {
  it('checks, lists, safety-backs-up, stops apps, restores in one transaction, verifies, restarts', async () => {
    const { pg, io, request, deps, running, lifecycle, dumpPath } = await setup();
    pg.rowCounts = [
      ['public.items', 42],
      ['public.not_in_dump', 9],
    ];

    const result = await runRestore(request(), deps);

    expect(io.steps.map((s) => s.title)).toEqual([
      `Check ${dumpPath}`,
      'List the dump with pg_restore in shop_db',
      'Database container shop_db',
      'Safety backup',
      'Stop the app generation',
      'Restore into shop (one transaction)',
      'Verify shop',
      'Start the app generation again',
    ]);
    expect(pg.tools()).toEqual([
      'pg_restore --list',
      'pg_isready',
      'psql size',
      'pg_dump',
      'pg_restore',
      'psql count',
    ]);
    // Dependents stop first and start last: web calls api.
    expect(lifecycle()).toEqual([
      `stop ${APPS[1]}`,
      `stop ${APPS[0]}`,
      `start ${APPS[0]}`,
      `start ${APPS[1]}`,
    ]);
    const restore = pg.calls.find((c) => c.tool === 'pg_restore' && !c.args.includes('--list'))!;
    expect(restore.args).toEqual([
      '--clean',
      '--if-exists',
      '--single-transaction',
      '--no-owner',
      '--username',
      'shop',
      '--dbname',
      'shop',
    ]);
    expect(restore.input!.equals(CUSTOM)).toBe(true);
    expect(result).toMatchObject({
      format: 'custom',
      gzip: false,
      recreatedContainer: false,
      tables: [{ table: 'public.items', rows: 42 }],
      appsStopped: [APPS[1], APPS[0]],
      appsRestarted: [APPS[0], APPS[1]],
    });
    expect(result.safetyBackup).toMatch(/backups\/shop_db_20261123T\d{6}Z\.dump$/);
    expect(running()).toEqual(APPS);
  });

  it('wraps plain SQL in its own transaction and requires the commit marker', async () => {
    const sql = 'DELETE FROM items;\nINSERT INTO items VALUES (1)';
    const { pg, request, deps, running } = await setup({ dump: sql });
    pg.restoreResult = { exitCode: 0, stdout: `${COMMITTED_MARKER}\n`, stderr: '' };
    const result = await runRestore(request(), deps);
    const psql = pg.calls.find((c) => c.tool === 'psql' && c.args.includes('-f'))!;
    expect(psql.args).toEqual([
      '-X',
      '-q',
      '-o',
      '/dev/null',
      '-v',
      'ON_ERROR_STOP=1',
      '--username',
      'shop',
      '--dbname',
      'shop',
      '-f',
      '-',
    ]);
    expect(psql.input!.toString()).toBe(`BEGIN; ${sql}\n;\nCOMMIT;\n\\echo ${COMMITTED_MARKER}\n`);
    expect(result.format).toBe('plain');
    expect(pg.tools()).not.toContain('pg_restore --list');
    expect(running()).toEqual(APPS);
  });

  it('treats psql ending without the marker as not committed', async () => {
    const { pg, request, deps } = await setup({ dump: 'SELECT 1;\n\\q\n' });
    pg.restoreResult = { exitCode: 0, stdout: '', stderr: '' };
    const err = await rejection(runRestore(request(), deps));
    expect(err.code).toBe('RESTORE_FAILED');
    expect(err.message).toMatch(
      /psql stopped before the end of the file.*rolled back: the database is exactly as it was before/,
    );
  });
});

describe('runRestore failures', () => {
  it('a failed restore is rolled back, the apps come back, and the message says how to put the safety backup back', async () => {
    const { spec, pg, request, deps, running, dumpPath } = await setup();
    pg.restoreResult = {
      exitCode: 1,
      stdout: '',
      stderr: 'pg_restore: error: could not execute query: ERROR:  syntax error\n',
    };
    const err = await rejection(runRestore(request(), deps));
    expect(err.code).toBe('RESTORE_FAILED');
    expect(err.message).toContain(
      'restoring ' +
        dumpPath +
        ' into shop failed: pg_restore: error: could not execute query: ERROR:  syntax error.',
    );
    expect(err.message).toContain('rolled back: the database is exactly as it was before');
    expect(err.message).toContain(`The apps were started again and are healthy: ${APPS[0]}, ${APPS[1]}.`);
    const safety = (err.data?.safetyBackup as string) ?? '';
    expect(safety).toMatch(/shop_db_\d{8}T\d{6}Z\.dump$/);
    expect(err.message).toContain(`\`deployctl restore-db ${safety} -f ${spec.file} -y\``);
    expect(running()).toEqual(APPS);
  });

  it('rejects a dump pg_restore cannot list before changing anything', async () => {
    const { pg, request, deps, engine, running } = await setup();
    pg.listExit = 1;
    const err = await rejection(runRestore(request(), deps));
    expect(err.code).toBe('DUMP_INVALID');
    expect(err.message).toMatch(
      /rejected by pg_restore --list in shop_db \(pg_restore: error: could not read from input file: end of file\).*Nothing was changed/,
    );
    expect(pg.tools()).toEqual(['pg_restore --list']);
    expect(engine.callsOf('stopContainer')).toEqual([]);
    expect(running()).toEqual(APPS);
  });

  it('checks and lists beside the lock being taken, and waits for it before anything else', async () => {
    const { pg, request, deps, engine, running, io, dumpPath } = await setup();
    let grant!: () => void;
    const lock = new Promise<void>((resolve) => (grant = resolve));
    const run = runRestore(request({ lock }), deps);
    await waitFor(() => io.steps.some((s) => s.title.startsWith('List the dump') && s.ok));
    await new Promise((r) => setTimeout(r, 20));
    // Step 1 is done, and nothing that changes anything has started.
    expect(io.steps.map((s) => s.title)).toEqual([
      `Check ${dumpPath}`,
      'List the dump with pg_restore in shop_db',
    ]);
    expect(pg.tools()).toEqual(['pg_restore --list']);
    grant();
    await run;
    expect(pg.tools()).toContain('pg_restore');
    expect(running()).toEqual(APPS);
    expect(engine.callsOf('stopContainer')).toHaveLength(2);
  });

  it('a lock that cannot be taken ends the run after step 1, having changed nothing', async () => {
    const { pg, request, deps, engine, running } = await setup();
    const held = new DeployctlError('LOCK_HELD', 'another deployctl run holds the lock of project shop');
    const err = await rejection(runRestore(request({ lock: Promise.reject(held) }), deps));
    expect(err.code).toBe('LOCK_HELD');
    expect(err.exitCode).toBe(3);
    expect(pg.tools()).toEqual(['pg_restore --list']);
    expect(engine.callsOf('stopContainer')).toEqual([]);
    expect(running()).toEqual(APPS);
  });

  it('refuses without confirmation and changes nothing', async () => {
    const { pg, request, deps, engine, running, io } = await setup({ answer: false });
    const err = await rejection(runRestore(request({ autoApprove: false }), deps));
    expect(err.code).toBe('NOT_CONFIRMED');
    expect(pg.tools()).toEqual(['pg_restore --list']);
    expect(engine.callsOf('stopContainer')).toEqual([]);
    expect(running()).toEqual(APPS);
    expect(io.steps.map((s) => s.title)).toHaveLength(2);
  });

  it('asks showing the target container, volume, database and the apps it stops', async () => {
    const { request, deps, io } = await setup();
    const questions: string[] = [];
    io.confirm = (q: string) => {
      questions.push(q);
      return Promise.resolve(true);
    };
    await runRestore(request({ autoApprove: false }), deps);
    expect(questions).toHaveLength(1);
    expect(questions[0]).toMatch(/into database shop in container shop_db \(volume shop_pg\)\?/);
    expect(questions[0]).toContain(
      `These apps are stopped during the restore and started again after: ${APPS[0]}, ${APPS[1]}.`,
    );
  });

  it('when the apps cannot start again, says so and that the data was restored', async () => {
    const { engine, request, deps } = await setup();
    engine.failStart(APPS[1]!, 1, 'boom');
    const err = await rejection(runRestore(request(), deps));
    expect(err.code).toBe('RESTORE_FAILED');
    expect(err.message).toMatch(/shop was restored from .* but the app generation did not come back/);
    expect(err.message).toContain(`The apps were started again and are healthy: ${APPS[0]}.`);
    expect(err.message).toMatch(
      new RegExp(`These apps did NOT come back: ${APPS[1]} \\(.*exited with code 1`),
    );
    expect(err.message).toContain('The apps themselves cannot start');
  });
});

describe('runRestore and the database container', () => {
  it('recreates a lost container from the spec on the same volume, labelled as apply does, then lists the dump', async () => {
    const { engine, pg, request, deps, io, dumpPath, running } = await setup();
    await engine.removeContainer('shop_db', { force: true });
    const result = await runRestore(request(), deps);
    expect(result.recreatedContainer).toBe(true);
    const [def] = engine.callsOf('createContainer')[0] as [ContainerDefinition];
    expect(def.name).toBe('shop_db');
    expect(def.mounts).toEqual([
      { type: 'volume', source: 'shop_pg', target: '/var/lib/postgresql/data', readOnly: false },
    ]);
    expect(def.labels[LABEL.role]).toBe('infra');
    expect(def.labels[LABEL.project]).toBe('shop');
    expect(engine.container('shop_db')?.state).toBe('running');
    expect(io.steps.map((s) => s.title).slice(0, 3)).toEqual([
      `Check ${dumpPath}`,
      'Database container shop_db',
      'List the dump with pg_restore in shop_db',
    ]);
    expect(pg.tools()[0]).toBe('pg_isready');
    expect(running()).toEqual(APPS);
  });

  it('refuses to bring the database up while another running container uses its volume', async () => {
    const { engine, request, deps, running } = await setup();
    await engine.removeContainer('shop_db', { force: true });
    engine.addContainer({
      name: 'shop_db_old',
      image: 'deployctl-fixture/postgres:15',
      mounts: [{ type: 'volume', source: 'shop_pg', target: '/var/lib/postgresql/data', readOnly: false }],
    });
    const err = await rejection(runRestore(request(), deps));
    expect(err.code).toBe('RESTORE_FAILED');
    expect(err.message).toContain(
      'would come up on volume shop_pg, which running container shop_db_old uses too',
    );
    expect(err.message).toContain('stop it by hand (`docker stop shop_db_old`) and re-run');
    expect(engine.callsOf('createContainer')).toEqual([]);
    expect(running()).toEqual(APPS);
  });

  it('refuses when the external volume is gone too, saying how to proceed, and creates nothing', async () => {
    const { engine, request, deps } = await setup();
    await engine.removeContainer('shop_db', { force: true });
    engine.volumes.delete('shop_pg');
    const err = await rejection(runRestore(request(), deps));
    expect(err.code).toBe('RESTORE_FAILED');
    expect(err.message).toMatch(
      /gone and so is its volume shop_pg: the data that lived there is gone with it/,
    );
    expect(err.message).toContain(
      'create the volume with `docker volume create shop_pg`, then re-run this restore-db',
    );
    expect(engine.callsOf('createContainer')).toEqual([]);
    expect(engine.volumes.has('shop_pg')).toBe(false);
  });
});

describe('runRestore options and Ctrl+C', () => {
  it('--keep-apps-running and --no-safety-backup skip those steps and say so', async () => {
    const { engine, pg, request, deps, io } = await setup();
    const result = await runRestore(request({ keepAppsRunning: true, safetyBackup: false }), deps);
    expect(engine.callsOf('stopContainer')).toEqual([]);
    expect(pg.tools()).not.toContain('pg_dump');
    expect(result.safetyBackup).toBeUndefined();
    expect(io.steps.map((s) => s.title)).not.toContain('Start the app generation again');
  });

  it('the safety backup never deletes the dump being restored, even when it is the oldest', async () => {
    const { spec, request, deps } = await setup({ keep: 1 });
    const old = join(spec.backups.dir, 'shop_db_20200101T000000Z.dump');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(spec.backups.dir, { recursive: true });
    await writeFile(old, CUSTOM);
    await runRestore(request({ dumpPath: old }), deps);
    expect(await readdir(spec.backups.dir)).toContain('shop_db_20200101T000000Z.dump');
  });

  it('Ctrl+C during the restore terminates its backend, the apps come back, exit 130', async () => {
    const { pg, request, deps, running } = await setup();
    const ctrl = new AbortController();
    pg.onRestore = async () => {
      ctrl.abort();
      while (pg.terminated === 0) await new Promise((r) => setImmediate(r));
    };
    pg.restoreResult = {
      exitCode: 1,
      stdout: '',
      stderr: 'FATAL:  terminating connection due to administrator command\n',
    };
    const err = await rejection(runRestore(request(), { ...deps, signal: ctrl.signal }));
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
    expect(err.message).toContain('rolled back: the database is exactly as it was before');
    expect(err.message).toContain('The apps were started again and are healthy');
    const appName = pg.calls.find((c) => c.tool === 'pg_restore' && !c.args.includes('--list'))!.env!
      .PGAPPNAME!;
    expect(appName).toMatch(/^deployctl-restore-[0-9a-f]{12}$/);
    const terminate = pg.calls.find(
      (c) => c.tool === 'psql' && c.args.some((a) => a.includes('pg_terminate_backend')),
    )!;
    expect(terminate.args.at(-1)).toContain(`application_name = '${appName}'`);
    expect(running()).toEqual(APPS);
  });

  it('Ctrl+C while apps are stopped (before the restore) starts them again and leaves the data alone', async () => {
    const { engine, pg, request, deps, running } = await setup();
    const ctrl = new AbortController();
    const stop = engine.stopContainer.bind(engine);
    engine.stopContainer = async (id, t) => {
      await stop(id, t);
      ctrl.abort();
    };
    const err = await rejection(runRestore(request(), { ...deps, signal: ctrl.signal }));
    expect(err.code).toBe('INTERRUPTED');
    expect(err.message).toContain('The database was not touched.');
    expect(pg.tools()).not.toContain('pg_restore');
    expect(running()).toEqual(APPS);
  });
});

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
}
