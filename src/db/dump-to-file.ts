import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DeployctlError, InterruptedError } from '../errors.js';
import { isEngineError } from '../engine/engine-error.js';
import type { Spec } from '../spec/model.js';
import { backupFileName, checksumFileName } from './backup-name.js';
import { formatBytes } from './bytes.js';
import { reclaimer, throttled, type DbDeps } from './deps.js';
import { DumpFileSink, type CommittedDump } from './dump-file-sink.js';
import { pgDumpCommand } from './pg-commands.js';
import { lastLines } from './psql.js';
import type { DbTarget } from './target.js';

const CUSTOM_MAGIC = Buffer.from('PGDMP');

/**
 * Streams `pg_dump -Fc` from the database container into `<backups.dir>/<name>.dump`:
 * engine exec -> hashing file sink, with backpressure end to end. On any failure or Ctrl+C
 * the temporary file is removed, so only complete dumps ever carry a backup's name.
 */
export async function dumpToFile(
  spec: Spec,
  target: DbTarget,
  deps: DbDeps,
  update: (text: string) => void,
): Promise<CommittedDump> {
  const dir = spec.backups.dir;
  const name = await freshName(dir, spec.project, target.service.name, deps);
  const progress = throttled(update, deps.clock);
  const reclaim = reclaimer(deps);
  let last = 0;
  const sink = await DumpFileSink.create(dir, name, (bytes) => {
    reclaim(bytes - last);
    last = bytes;
    progress(`${formatBytes(bytes)} written`);
  });
  try {
    const res = await deps.engine.exec(target.container, pgDumpCommand(target), {
      stdout: sink,
      env: target.env,
      signal: deps.signal,
    });
    if (res.exitCode !== 0) {
      throw new DeployctlError(
        'BACKUP_FAILED',
        `pg_dump of database ${target.database} in ${target.container} failed with exit code ${res.exitCode} (${lastLines(res.stderr) || 'no error output'}). ` +
          'The partial dump was removed; nothing else was changed. Fix the cause above and re-run.',
        { data: { exitCode: res.exitCode } },
      );
    }
    if (!sink.magic.subarray(0, CUSTOM_MAGIC.length).equals(CUSTOM_MAGIC)) {
      throw new DeployctlError(
        'BACKUP_FAILED',
        `pg_dump in ${target.container} exited successfully but did not write a custom-format dump (${sink.bytes} bytes, no PGDMP header). The file was removed; nothing else was changed. Check the pg_dump in the image.`,
      );
    }
    return await sink.commit();
  } catch (err) {
    await sink.discard();
    throw dumpError(err, sink, target, deps.signal);
  }
}

/** A name no file has yet: two backups within one second wait for the next second. */
async function freshName(dir: string, project: string, service: string, deps: DbDeps): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const name = backupFileName(project, service, deps.clock.now());
    if (!(await exists(join(dir, name))) && !(await exists(join(dir, checksumFileName(name))))) return name;
    await deps.clock.sleep(1001 - (deps.clock.now() % 1000), deps.signal);
  }
  throw new DeployctlError(
    'BACKUP_FAILED',
    `could not find a free backup name in ${dir}: files with the current time already exist there. Nothing was written; re-run in a few seconds.`,
  );
}

function dumpError(err: unknown, sink: DumpFileSink, target: DbTarget, signal?: AbortSignal): unknown {
  if (signal?.aborted) {
    return new InterruptedError(
      `backup interrupted while dumping ${target.database}: the partial dump was removed and nothing else was changed.`,
    );
  }
  if (sink.failure?.code === 'ENOSPC' || sink.failure?.code === 'EDQUOT') {
    return new DeployctlError(
      'NO_SPACE',
      `the disk holding ${sink.finalPath} filled up after ${formatBytes(sink.bytes)} of the dump: the partial file was removed and nothing else was changed. Free some space or point backups.dir at a larger disk, then re-run.`,
      { cause: err },
    );
  }
  if (sink.failure) {
    return new DeployctlError(
      'BACKUP_FAILED',
      `writing ${sink.tempPath} failed (${sink.failure.message}); the partial file was removed and nothing else was changed. Check the backups directory, then re-run.`,
      {
        cause: err,
      },
    );
  }
  if (isEngineError(err)) {
    return new DeployctlError(
      'BACKUP_FAILED',
      `dumping ${target.database} from ${target.container} failed: ${err.message} The partial dump was removed; nothing else was changed.`,
      { cause: err },
    );
  }
  return err;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
