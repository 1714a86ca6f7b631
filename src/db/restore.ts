import { basename } from 'node:path';
import { DeployctlError } from '../errors.js';
import type { Spec } from '../spec/model.js';
import { appsToCycle, startApps, stopApps, type LiveApp, type StartOutcome } from './app-generation.js';
import { throttled, type DbDeps } from './deps.js';
import type { DumpCheckRun } from './dump-check.js';
import { restoreInOneTransaction, type TransactionOutcome } from './restore-exec.js';
import { prepareRestore } from './restore-prepare.js';
import { ProgressTracker, type RestoreProgress } from './restore-progress.js';
import { failedAfterSafety, interruptedAfterSafety, type AfterSafetyContext } from './restore-report.js';
import { countRows, summarizeRows, type TableRows } from './row-counts.js';
import { resolveDbTarget } from './target.js';

export interface RestoreRequest {
  spec: Spec;
  /** Absolute path of the dump (custom or plain SQL, either optionally gzipped). */
  dumpPath: string;
  /** Step 1's file checks of `dumpPath`, when the caller started them early (startDumpCheck). */
  check?: DumpCheckRun;
  /**
   * The project lock being taken. Step 1 only reads, so it runs beside it; nothing after step 1
   * starts before it settles, and its failure (LOCK_HELD) ends the run with nothing changed.
   * Without it the caller holds the lock already.
   */
  lock?: Promise<unknown>;
  dbService?: string;
  /** Take a backup of the current data first (`--no-safety-backup` turns it off). */
  safetyBackup: boolean;
  /** Leave the app generation running during the restore. */
  keepAppsRunning: boolean;
  /** Do not ask; without it a host that cannot ask refuses (NOT_CONFIRMED). */
  autoApprove: boolean;
  /** Told at every stage, so a caller quitting at once can say what state it leaves. */
  onProgress?: (p: RestoreProgress) => void;
}

export interface RestoreResult {
  format: 'custom' | 'plain';
  gzip: boolean;
  recreatedContainer: boolean;
  safetyBackup?: string;
  tables: TableRows[];
  appsStopped: string[];
  appsRestarted: string[];
  durationMs: number;
}

/**
 * `deployctl restore-db DUMP`, the emergency runbook, in this order: 1 check the file,
 * 2 make sure the database container exists and is healthy (recreated on its volume if lost),
 * 3 safety backup, 4 stop the app generation, 5 restore in one transaction, 6 verify with
 * exact row counts, 7 start the apps again and wait until healthy. After step 3 every failure
 * and every Ctrl+C restarts the apps and names the safety backup and how to put it back.
 * The caller holds the project lock, or passes it being taken as `req.lock`.
 */
export async function runRestore(req: RestoreRequest, deps: DbDeps): Promise<RestoreResult> {
  const started = deps.clock.now();
  const { engine, io, clock, signal } = deps;
  const target = resolveDbTarget(req.spec, req.dbService);
  const progress = new ProgressTracker(req.onProgress);
  const prepared = await prepareRestore(req, target, deps, progress);
  const { dump, toc } = prepared;

  // What this run stopped, after what a killed earlier run left stopped: all started again.
  const stopped: LiveApp[] = [];
  const ctx: AfterSafetyContext = {
    stage: 'stop-apps',
    dumpPath: req.dumpPath,
    database: target.database,
    specFile: req.spec.file,
    safetyBackup: prepared.safety?.path,
    stopped: [],
    keepAppsRunning: req.keepAppsRunning,
  };
  let outcome: TransactionOutcome | undefined;
  let tables: TableRows[] = [];
  try {
    progress.stage('stop-apps');
    await io.step('Stop the app generation', async () => {
      if (req.keepAppsRunning) return 'kept running (--keep-apps-running)';
      const apps = await appsToCycle(engine, req.spec);
      const onStopped = (app: LiveApp): void => {
        stopped.push(app);
        ctx.stopped.push(app.name);
        progress.stopped(app.name);
      };
      apps.leftStopped.forEach(onStopped);
      await stopApps(engine, req.spec, apps.running, onStopped);
      const left = apps.leftStopped.length
        ? `; already stopped, started after the restore: ${apps.leftStopped.map((a) => a.name).join(', ')}`
        : '';
      return apps.running.length === 0
        ? `no app container running${left}`
        : `stopped ${apps.running.map((a) => a.name).join(', ')}${left}`;
    });
    if (signal?.aborted) throw interruptedAfterSafety(ctx);

    ctx.stage = 'restore';
    progress.stage('restore');
    await io.step(`Restore into ${target.database} (one transaction)`, async (update) => {
      outcome = ctx.outcome = await restoreInOneTransaction(engine, target, dump, {
        clock,
        signal,
        update: throttled(update, clock),
        reclaim: deps.reclaim,
      });
      progress.transaction(outcome.state);
      if (outcome.state !== 'committed')
        throw new DeployctlError('RESTORE_FAILED', outcome.detail ?? 'the restore did not commit');
      return `${basename(dump.path)} committed`;
    });

    // From here on the data is restored: Ctrl+C no longer stops anything, it is reported at the end.
    ctx.stage = 'verify';
    progress.stage('verify');
    await io.step(`Verify ${target.database}`, async () => {
      tables = await countRows(
        engine,
        target,
        { code: 'RESTORE_FAILED', what: 'counting the restored rows' },
        toc ? { only: toc.tables } : {},
      );
      return summarizeRows(tables);
    });
  } catch (err) {
    ctx.restart = await restartApps(deps, req.spec, stopped, progress);
    const interrupted =
      signal?.aborted === true || (err instanceof DeployctlError && err.code === 'INTERRUPTED');
    throw interrupted ? interruptedAfterSafety(ctx) : failedAfterSafety(err, ctx);
  }

  ctx.stage = 'start-apps';
  ctx.restart = await restartApps(deps, req.spec, stopped, progress);
  if (ctx.restart.failed.length > 0)
    throw failedAfterSafety(new DeployctlError('CONTAINER_UNHEALTHY', 'apps did not start'), ctx);
  if (signal?.aborted) throw interruptedAfterSafety(ctx);
  progress.stage('done');
  return {
    format: dump.format,
    gzip: dump.gzip,
    recreatedContainer: prepared.recreatedContainer,
    ...(prepared.safety ? { safetyBackup: prepared.safety.path } : {}),
    tables,
    appsStopped: stopped.map((a) => a.name),
    appsRestarted: ctx.restart.started,
    durationMs: clock.now() - started,
  };
}

/** Step 7, and the same after any failure: bring back what this run stopped. */
async function restartApps(
  deps: DbDeps,
  spec: Spec,
  stopped: LiveApp[],
  progress: ProgressTracker,
): Promise<StartOutcome> {
  if (stopped.length === 0) return { started: [], failed: [] };
  progress.stage('start-apps');
  let outcome: StartOutcome = { started: [], failed: [] };
  await deps.io
    .step('Start the app generation again', async (update) => {
      outcome = await startApps(deps.engine, spec, stopped, deps.clock, (app) => {
        update(`${app.name} healthy`);
        progress.restarted(app.name);
      });
      if (outcome.failed.length > 0)
        throw new DeployctlError(
          'CONTAINER_UNHEALTHY',
          `${outcome.failed.map((f) => f.name).join(', ')} did not come back`,
        );
      return `${outcome.started.join(', ')} healthy`;
    })
    .catch(() => undefined); // the outcome says what failed; the caller's message reports it
  return outcome;
}
