import { DeployctlError } from '../errors.js';
import type { StartOutcome } from './app-generation.js';
import type { TransactionOutcome } from './restore-exec.js';

/** Where a restore was when it failed or was interrupted, once apps may have been stopped. */
export interface AfterSafetyContext {
  stage: 'stop-apps' | 'restore' | 'verify' | 'start-apps';
  dumpPath: string;
  database: string;
  specFile: string;
  safetyBackup?: string;
  outcome?: TransactionOutcome;
  /** Apps stopped by this run, and those of the live generation a killed earlier run left stopped. */
  stopped: string[];
  /** How restarting them went (undefined when none had been stopped). */
  restart?: StartOutcome;
  keepAppsRunning: boolean;
}

/**
 * One paragraph for a failure after the safety backup: what happened, the state of the data,
 * the state of the apps, and the exact command that puts the previous data back.
 */
export function failedAfterSafety(cause: unknown, ctx: AfterSafetyContext): DeployctlError {
  const why = cause instanceof Error ? cause.message.replace(/\.?\s*$/, '') : String(cause);
  const headline =
    ctx.stage === 'stop-apps'
      ? `stopping the app generation before the restore failed: ${why}.`
      : ctx.stage === 'restore'
        ? `restoring ${ctx.dumpPath} into ${ctx.database} failed: ${(ctx.outcome?.detail ?? why).replace(/\.?\s*$/, '')}.${hint(ctx.outcome?.detail ?? why)}`
        : ctx.stage === 'verify'
          ? `verifying ${ctx.database} after the restore failed: ${why}.`
          : `${ctx.database} was restored from ${ctx.dumpPath}, but the app generation did not come back.`;
  const next =
    ctx.stage === 'start-apps'
      ? 'Fix what keeps the apps from starting, then run `deployctl apply`.'
      : 'Fix the cause above and re-run restore-db.';
  return new DeployctlError(
    'RESTORE_FAILED',
    [headline, dataState(ctx), appsState(ctx), safetyState(ctx), next].join(' '),
    {
      cause,
      data: dataOf(ctx),
    },
  );
}

/** The same facts for Ctrl+C: exit 130, and nothing left stopped without saying so. */
export function interruptedAfterSafety(ctx: AfterSafetyContext): DeployctlError {
  const done =
    ctx.outcome?.state === 'committed' ? ' The restore had already committed when the interrupt came.' : '';
  return new DeployctlError(
    'INTERRUPTED',
    ['restore-db was interrupted (Ctrl+C).' + done, dataState(ctx), appsState(ctx), safetyState(ctx)].join(
      ' ',
    ),
    {
      data: dataOf(ctx),
    },
  );
}

function dataState(ctx: AfterSafetyContext): string {
  if (ctx.stage === 'stop-apps' || (ctx.stage === 'restore' && !ctx.outcome))
    return 'The database was not touched.';
  switch (ctx.outcome?.state) {
    case 'rolled-back':
      return 'The restore ran in one transaction and was rolled back: the database is exactly as it was before.';
    case 'unknown':
      return 'Whether the transaction committed could not be seen (the engine call failed after the input was cut short, so it was most likely rolled back): check the data before relying on it.';
    default:
      return `The restore committed: ${ctx.database} now holds the data of ${ctx.dumpPath}.`;
  }
}

function appsState(ctx: AfterSafetyContext): string {
  if (ctx.stopped.length === 0) {
    return ctx.keepAppsRunning
      ? 'The apps kept running throughout (--keep-apps-running).'
      : 'No app container was stopped.';
  }
  const r = ctx.restart;
  if (!r)
    return `The apps ${ctx.stopped.join(', ')} are STOPPED; start them with \`docker start ${ctx.stopped.join(' ')}\` or \`deployctl apply -f ${quote(ctx.specFile)}\`.`;
  const parts: string[] = [];
  if (r.started.length > 0)
    parts.push(`The apps were started again and are healthy: ${r.started.join(', ')}.`);
  if (r.failed.length > 0) {
    const names = r.failed.map((f) => f.name);
    parts.push(
      `These apps did NOT come back: ${r.failed.map((f) => `${f.name} (${f.message.replace(/\.?\s*$/, '')})`).join('; ')}. ` +
        `The apps themselves cannot start: check \`docker logs ${names[0]}\`, then start them with \`docker start ${names.join(' ')}\` or \`deployctl apply -f ${quote(ctx.specFile)}\`.`,
    );
  }
  return parts.join(' ');
}

function safetyState(ctx: AfterSafetyContext): string {
  if (!ctx.safetyBackup) return 'No safety backup was taken (--no-safety-backup).';
  return `The safety backup taken before the restore is ${ctx.safetyBackup}; to put that data back: \`${putBackCommand(ctx.safetyBackup, ctx.specFile)}\`.`;
}

/** The exact command that restores the safety backup. */
export function putBackCommand(safetyBackup: string, specFile: string): string {
  return `deployctl restore-db ${quote(safetyBackup)} -f ${quote(specFile)} -y`;
}

function hint(detail: string): string {
  return /already exists/.test(detail)
    ? ' The dump creates objects that already exist: a plain SQL dump must be made with `pg_dump --clean --if-exists` to replace them (or use a custom-format dump, -Fc).'
    : '';
}

function quote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function dataOf(ctx: AfterSafetyContext): Record<string, unknown> {
  return {
    stage: ctx.stage,
    safetyBackup: ctx.safetyBackup ?? null,
    transaction: ctx.outcome?.state ?? null,
    appsStopped: ctx.stopped,
    appsRestarted: ctx.restart?.started ?? [],
    appsNotRestarted: ctx.restart?.failed.map((f) => f.name) ?? (ctx.restart ? [] : ctx.stopped),
  };
}
