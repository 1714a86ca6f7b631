import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { DeployctlError } from '../errors.js';
import type { Spec } from '../spec/model.js';
import { formatDuration } from '../util/clock.js';
import { formatBytes } from './bytes.js';
import { requireRunning } from './db-container-state.js';
import type { DbDeps, Stage } from './deps.js';
import { dumpToFile } from './dump-to-file.js';
import { checkFreeSpace, type StatFs } from './free-space.js';
import { queryRows } from './psql.js';
import { pruneBackups, removeStaleTemps } from './retention.js';
import { countRows, summarizeRows, type TableRows } from './row-counts.js';
import { resolveDbTarget, type DbTarget } from './target.js';

export interface BackupRequest {
  spec: Spec;
  /** The database service, when the spec has several (`--db`). */
  dbService?: string;
  /** Also count the rows of every table (exact counts, one query). */
  verbose?: boolean;
}

export interface BackupResult {
  /** Absolute path of the dump; `<path>.sha256` is beside it. */
  path: string;
  bytes: number;
  sha256: string;
  durationMs: number;
  /** Older dumps removed by retention. */
  deleted: string[];
  tables?: TableRows[];
}

export interface TakeBackupOptions {
  verbose?: boolean;
  /** Files retention must not delete (the dump a restore is about to read). */
  protect?: string[];
  stage: Stage;
  /** For tests: the free-space probe. */
  statfs?: StatFs;
}

/**
 * `deployctl backup`: `pg_dump -Fc` inside the database container, streamed to
 * `<backups.dir>/<project>_<db>_<UTC>.dump` with a `.sha256` beside it, then retention.
 * The caller holds the project lock, so a backup never interleaves with a deploy or restore.
 */
export async function runBackup(req: BackupRequest, deps: DbDeps): Promise<BackupResult> {
  const target = resolveDbTarget(req.spec, req.dbService);
  return takeBackup(req.spec, target, deps, {
    verbose: req.verbose,
    stage: (title, run) => deps.io.step(title, run).then(() => undefined),
  });
}

/** The backup itself, shared by `deployctl backup` and restore-db's safety backup. */
export async function takeBackup(
  spec: Spec,
  target: DbTarget,
  deps: DbDeps,
  opts: TakeBackupOptions,
): Promise<BackupResult> {
  const started = deps.clock.now();
  const dir = spec.backups.dir;
  const fail = { code: 'BACKUP_FAILED' as const, what: `reading the size of database ${target.database}` };

  await opts.stage(`Check ${target.container} and free space`, async () => {
    await requireRunning(deps.engine, target, 'BACKUP_FAILED', 'nothing was written');
    await prepareDir(dir);
    await removeStaleTemps(dir, spec.project, target.service.name);
    const [row] = await queryRows(
      deps.engine,
      target,
      'SELECT pg_database_size(current_database())',
      fail,
      deps.signal,
    );
    const size = Number(row?.[0] ?? 0);
    const { freeBytes } = await checkFreeSpace(
      dir,
      size,
      { database: target.database, container: target.container },
      opts.statfs,
    );
    return `database ${formatBytes(size)}, ${formatBytes(freeBytes)} free in ${dir}`;
  });

  let tables: TableRows[] | undefined;
  if (opts.verbose) {
    await opts.stage('Count rows', async () => {
      tables = await countRows(
        deps.engine,
        target,
        { code: 'BACKUP_FAILED', what: 'counting rows' },
        { signal: deps.signal },
      );
      return summarizeRows(tables);
    });
  }

  let dump: Awaited<ReturnType<typeof dumpToFile>> | undefined;
  await opts.stage(`Dump ${target.database} from ${target.container}`, async (update) => {
    dump = await dumpToFile(spec, target, deps, update);
    return `${basename(dump.path)} (${formatBytes(dump.bytes)}) in ${formatDuration(deps.clock.now() - started)}`;
  });

  let deleted: string[] = [];
  await opts.stage(`Retention (keep ${spec.backups.keep})`, async () => {
    deleted = await pruneBackups({
      dir,
      project: spec.project,
      service: target.service.name,
      keep: spec.backups.keep,
      protect: opts.protect,
    }).catch((err: unknown) => {
      throw new DeployctlError(
        'BACKUP_FAILED',
        `the backup ${dump!.path} is complete, but deleting older backups failed (${(err as Error).message}). Check the permissions of ${dir}; the next backup tries again.`,
        { cause: err, data: { path: dump!.path } },
      );
    });
    return deleted.length === 0
      ? 'nothing to delete'
      : `deleted ${deleted.map((p) => basename(p)).join(', ')}`;
  });

  return {
    path: dump!.path,
    bytes: dump!.bytes,
    sha256: dump!.sha256,
    durationMs: deps.clock.now() - started,
    deleted,
    ...(tables ? { tables } : {}),
  };
}

async function prepareDir(dir: string): Promise<void> {
  try {
    // 0700 when deployctl creates it: the dumps inside hold all the data.
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new DeployctlError(
      'BACKUP_FAILED',
      `cannot create the backups directory ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}); nothing was written. Create it or change backups.dir in the spec.`,
      { cause: err },
    );
  }
}
