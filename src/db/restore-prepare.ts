import { DeployctlError, InterruptedError } from '../errors.js';
import { appsToCycle } from './app-generation.js';
import { takeBackup, type BackupResult } from './backup.js';
import { formatBytes } from './bytes.js';
import { ensureDbContainer, planDbContainer, type DbContainerPlan } from './db-container.js';
import { throttled, type DbDeps } from './deps.js';
import { describeDump, startDumpCheck, type CheckedDump } from './dump-check.js';
import { listDump, type DumpToc } from './dump-toc.js';
import type { ProgressTracker } from './restore-progress.js';
import type { RestoreRequest } from './restore.js';
import type { DbTarget } from './target.js';

/** Steps 1-3 done: the file is sound, the database container healthy, the safety backup taken. */
export interface Prepared {
  dump: CheckedDump;
  toc?: DumpToc;
  recreatedContainer: boolean;
  safety?: BackupResult;
}

/**
 * Steps 1 to 3 of restore-db and the confirmation. The file checks that need no database run
 * first (or were started by the caller before it had a spec: `req.check`), beside the taking
 * of the project lock when the caller passes it as `req.lock`; `pg_restore --list` runs before the question when the container is up, and right
 * after step 2 when the container had to be recreated first. Nothing here stops an app or
 * writes to the database, so any failure leaves the data and the apps as they were.
 */
export async function prepareRestore(
  req: RestoreRequest,
  target: DbTarget,
  deps: DbDeps,
  progress: ProgressTracker,
): Promise<Prepared> {
  const { engine, io, clock, signal } = deps;
  const out: Partial<Prepared> & { recreatedContainer: boolean } = { recreatedContainer: false };
  req.lock?.catch(() => undefined); // awaited after step 1; a failure before that is not unhandled
  try {
    let dump!: CheckedDump;
    let plan!: DbContainerPlan;
    let listing: Promise<DumpToc> | undefined;
    const check = req.check ?? startDumpCheck(req.dumpPath, signal);
    await io.step(`Check ${req.dumpPath}`, async (update) => {
      check.follow(throttled(update, clock));
      const identified = await check.identified;
      plan = await planDbContainer(engine, req.spec, target);
      // Read-only like the scan, so it runs beside it: pg_restore reads only the TOC.
      if (identified.format === 'custom' && plan.kind === 'running') {
        listing = listDump(engine, target, identified, signal);
        listing.catch(() => undefined); // awaited below; this only keeps a scan failure from orphaning it
      }
      dump = await check.checked;
      return describeDump(dump);
    });
    out.dump = dump;
    const list = async (): Promise<void> => {
      await io.step(`List the dump with pg_restore in ${target.container}`, async () => {
        out.toc = await (listing ?? listDump(engine, target, dump, signal));
        return `${out.toc.entries} entries, ${out.toc.tables.length} table(s)`;
      });
    };
    if (listing) await list();
    if (req.lock) {
      // Everything so far only read. What follows changes things: it waits for the project
      // lock, and looks again at the container, which another run may have changed meanwhile.
      await req.lock;
      plan = await planDbContainer(engine, req.spec, target);
    }

    if (!req.autoApprove) {
      progress.stage('confirm');
      const apps = req.keepAppsRunning ? [] : (await appsToCycle(engine, req.spec)).running;
      if (
        !(await io.confirm(
          question(
            req,
            target,
            dump,
            plan,
            apps.map((a) => a.name),
          ),
        ))
      ) {
        throw new DeployctlError(
          'NOT_CONFIRMED',
          'restore-db was not confirmed, so nothing was changed. To restore without a question (CI, scripts, no terminal), pass --yes (-y).',
        );
      }
    }

    progress.stage('container');
    await io.step(`Database container ${target.container}`, (update) =>
      ensureDbContainer(
        engine,
        req.spec,
        target,
        plan,
        clock,
        update,
        signal,
        () => (out.recreatedContainer = true),
      ),
    );
    if (dump.format === 'custom' && !out.toc) await list();

    progress.stage('safety-backup');
    if (!req.safetyBackup) {
      await io.step('Safety backup', () => Promise.resolve('skipped (--no-safety-backup)'));
    } else {
      await io.step('Safety backup', async (update) => {
        const inline = async (
          title: string,
          run: (u: (t: string) => void) => Promise<string>,
        ): Promise<void> => {
          update(title);
          await run((text) => update(`${title}: ${text}`));
        };
        out.safety = await takeBackup(req.spec, target, deps, { protect: [req.dumpPath], stage: inline });
        progress.safetyBackup(out.safety.path);
        return `${out.safety.path} (${formatBytes(out.safety.bytes)})`;
      });
    }
    if (signal?.aborted) throw new InterruptedError('interrupted after the safety backup');
    return out as Prepared;
  } catch (err) {
    throw beforeAppsStopped(err, out, target, signal);
  }
}

function question(
  req: RestoreRequest,
  target: DbTarget,
  dump: CheckedDump,
  plan: DbContainerPlan,
  apps: string[],
): string {
  const parts = [
    `Restore ${req.dumpPath} (${describeDump(dump)}) into database ${target.database} in container ${target.container} (volume ${target.volumes.join(', ') || 'none'})?`,
    'It replaces the objects the dump contains.',
  ];
  if (plan.kind === 'recreate')
    parts.push(
      `The container is missing: it will be recreated from the spec on volume ${target.volumes.join(', ') || 'none'}.`,
    );
  if (plan.kind === 'start') parts.push(`The container is ${plan.detail.state}: it will be started.`);
  parts.push(
    req.safetyBackup
      ? `A safety backup goes to ${req.spec.backups.dir} first.`
      : 'NO safety backup will be taken (--no-safety-backup).',
  );
  if (apps.length > 0)
    parts.push(`These apps are stopped during the restore and started again after: ${apps.join(', ')}.`);
  return parts.join(' ');
}

/** Failures before any app was stopped: the data and the apps are as they were; say what else happened. */
function beforeAppsStopped(
  err: unknown,
  out: Partial<Prepared>,
  target: DbTarget,
  signal?: AbortSignal,
): unknown {
  const notes: string[] = [];
  if (out.recreatedContainer)
    notes.push(
      `The database container ${target.container} was recreated on its volume before this and keeps running.`,
    );
  if (out.safety) notes.push(`The safety backup ${out.safety.path} was written and stays.`);
  const interrupted =
    signal?.aborted === true || (err instanceof DeployctlError && err.code === 'INTERRUPTED');
  if (interrupted) {
    return new InterruptedError(
      [
        'restore-db was interrupted (Ctrl+C) before the restore: the database and the apps were not touched.',
        ...notes,
      ].join(' '),
    );
  }
  if (notes.length === 0 || !(err instanceof DeployctlError)) return err;
  return new DeployctlError(err.code, `${err.message} ${notes.join(' ')}`, {
    cause: err,
    data: err.data,
    exitCode: err.exitCode,
  });
}
