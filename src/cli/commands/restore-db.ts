import { basename, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import type { RestoreProgress } from '../../db/restore-progress.js';
import type { RestoreResult } from '../../db/restore.js';
import { DeployctlError } from '../../errors.js';
import { formatDuration } from '../../util/clock.js';
import { approveOption, lockTimeoutOption, type GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import { recorderFor } from '../run-recorder.js';
import type { CliSession } from '../session.js';
import { durationFlag, takeLock } from '../project-lock.js';
import { collectGarbage } from '../reclaim-memory.js';

interface RestoreArgs extends GlobalArgs {
  dump: string;
  'safety-backup': boolean;
  'keep-apps-running': boolean;
  'auto-approve': boolean;
  'lock-timeout': string;
  db: string | undefined;
}

/** `deployctl restore-db DUMP`: the emergency runbook, under the project lock. */
export const restoreDbCommand: CommandModule<GlobalArgs, RestoreArgs> = {
  command: 'restore-db <dump>',
  describe:
    'Restore a dump into the database: check it, safety backup, stop the apps, restore in one transaction, verify, restart the apps',
  builder: (y) =>
    y
      .positional('dump', {
        type: 'string',
        demandOption: true,
        describe:
          'A custom-format dump (pg_dump -Fc) or plain SQL, optionally gzipped; the format is read from the content',
      })
      .option('safety-backup', {
        type: 'boolean',
        default: true,
        describe: 'Back up the current data first (--no-safety-backup skips it)',
      })
      .option('keep-apps-running', {
        type: 'boolean',
        default: false,
        describe: 'Do not stop the app generation during the restore',
      })
      .option('auto-approve', approveOption)
      .option('lock-timeout', lockTimeoutOption)
      .option('db', {
        type: 'string',
        describe: 'The database service, when the spec has several with database:',
      })
      .example(
        '$0 restore-db backups/sancho_db_20261123T080000Z.dump',
        'Restore after confirming target container, volume and database',
      )
      .example(
        '$0 restore-db dump.sql.gz -f /srv/sancho/deployctl.yaml -y',
        'Plain SQL, gzipped, without a question (CI, scripts)',
      )
      .example(
        '$0 restore-db old.dump --no-safety-backup --keep-apps-running -y',
        'Fast path: no safety backup, apps keep running',
      )
      .epilogue(
        'Steps: 1 check the file (format from its content, gzip CRC, .sha256 beside it, pg_restore --list), 2 make sure the database ' +
          'container runs (recreated from the spec on its volume if lost), 3 safety backup into backups.dir, 4 stop the app generation, ' +
          '5 restore in ONE transaction (a failure half-way changes nothing), 6 verify with exact row counts, 7 start the apps and wait ' +
          'until healthy. A custom dump replaces the objects it contains (pg_restore --clean --if-exists); a plain SQL file runs as ' +
          'it is, so make plain dumps with pg_dump --clean --if-exists. Ctrl+C rolls back a running restore and starts the apps again (exit 130).',
      ),
  handler: (args) => runCommand(args, (cli) => restoreDb(cli, args)),
};

async function restoreDb(cli: CliSession, args: RestoreArgs): Promise<number> {
  if (!args['auto-approve'] && !cli.interactive) {
    throw new DeployctlError(
      'NOT_CONFIRMED',
      'restore-db replaces data and needs a confirmation, but there is no terminal to ask on (or CI is set); nothing was changed. Re-run with --yes (-y) to restore without a question.',
    );
  }
  const lockTimeoutMs = await durationFlag('--lock-timeout', args['lock-timeout']);
  const dumpPath = resolve(cli.term.cwd, args.dump);
  let progress: RestoreProgress | undefined;
  // Ctrl+C: the first finishes safely (a running restore rolled back, stopped apps started
  // again, exit 130); a second quits at once, saying which apps it leaves stopped.
  const { interruptOnSigint } = await import('../signals.js');
  const sigint = interruptOnSigint(cli, {
    first:
      'Interrupted: finishing safely (a running restore is rolled back, stopped apps are started again). Ctrl+C again quits at once.',
    quit: () => quitAtOnce(progress, cli.specPath),
  });
  // Step 1 reads the whole file and needs neither the spec nor the engine: it starts now, beside
  // the rest of the start-up work (most of the fixed cost of a run).
  const { startDumpCheck } = await import('../../db/dump-check.js');
  const check = startDumpCheck(dumpPath, sigint.signal);
  try {
    const [
      { runRestore },
      { lockLostOr, lostOnceTaken, runSignal },
      { releaseQuietly },
      { systemClock },
      spec,
      engine,
      io,
    ] = await Promise.all([
      import('../../db/restore.js'),
      import('../../apply/lock-lost.js'),
      import('../../apply/lock-release.js'),
      import('../../util/clock.js'),
      cli.loadSpec({ dbService: args.db }),
      cli.engine(),
      cli.ioHost(),
    ]);
    // Taken beside step 1, which only reads; the core waits for it before anything else. A run
    // that ends first (a bad file) stops waiting for it, and releases it if it came.
    const stopLocking = new AbortController();
    const locking = takeLock(
      cli,
      engine,
      spec,
      io,
      'deployctl restore-db',
      lockTimeoutMs,
      AbortSignal.any([sigint.signal, stopLocking.signal]),
    );
    locking.catch(() => undefined); // the core reports a failure to take it
    // A lock taken over or force-released once taken stops the restore as Ctrl+C would (rolled
    // back, apps started again), ending as LOCK_LOST.
    const lost = lostOnceTaken(locking);
    let result: RestoreResult;
    const { recorded } = await import('../../revisions/recorded.js');
    const recorder = await recorderFor(cli, engine, spec, sigint.signal);
    try {
      result = await recorded(
        recorder,
        { kind: 'restore-db', deployId: '', summary: `restore-db ${basename(dumpPath)}` },
        () =>
          runRestore(
            {
              spec,
              dumpPath,
              check,
              lock: locking,
              dbService: args.db,
              safetyBackup: args['safety-backup'],
              keepAppsRunning: args['keep-apps-running'],
              autoApprove: args['auto-approve'],
              onProgress: (p) => (progress = p),
            },
            {
              engine,
              io,
              clock: systemClock,
              signal: runSignal(sigint.signal, lost),
              reclaim: collectGarbage(),
            },
          ),
        () => Promise.resolve([]),
        { locked: locking },
      );
    } catch (err) {
      throw lockLostOr(err, lost, sigint.signal, { project: spec.project, command: 'restore-db' });
    } finally {
      stopLocking.abort();
      await releaseQuietly(locking, io, spec.project);
    }
    if (cli.args.json) cli.json({ status: 'ok', dump: dumpPath, ...result });
    else cli.out(renderRestore(result, args.dump, cli));
    return EXIT.ok;
  } finally {
    check.dispose();
    sigint.dispose();
  }
}

function renderRestore(r: RestoreResult, dump: string, cli: CliSession): string {
  const s = cli.style;
  const format = `${r.format === 'custom' ? 'custom format' : 'plain SQL'}${r.gzip ? ', gzip' : ''}`;
  const lines = [
    s.bold(
      `Restore complete: the database now holds ${dump} (${format}), in ${formatDuration(r.durationMs)}.`,
    ),
  ];
  if (r.recreatedContainer) lines.push('  container      recreated from the spec on its volume');
  if (r.safetyBackup)
    lines.push(
      `  safety backup  ${r.safetyBackup}`,
      `                 put it back: deployctl restore-db ${r.safetyBackup} -f ${cli.specPath} -y`,
    );
  else lines.push('  safety backup  none (--no-safety-backup)');
  lines.push(
    `  apps           ${r.appsStopped.length === 0 ? 'none stopped' : `stopped ${r.appsStopped.join(', ')}; running and healthy again: ${r.appsRestarted.join(', ')}`}`,
  );
  for (const t of r.tables) lines.push(`  rows           ${t.table} ${t.rows}`);
  return lines.join('\n');
}

function quitAtOnce(p: RestoreProgress | undefined, specPath: string): string {
  const parts = [`Quit at once during the ${p?.stage ?? 'check'} step.`];
  if (p?.transaction === 'committed') parts.push('The restore had committed: the database holds the dump.');
  else if (p?.stage === 'restore')
    parts.push(
      'The restore had not committed; Postgres rolls it back when its connection drops, so the database stays as it was.',
    );
  else if (!p?.transaction) parts.push('The database was not restored.');
  if (p && p.appsStopped.length > 0) {
    parts.push(
      `These apps are STOPPED: ${p.appsStopped.join(', ')}. Start them with \`docker start ${p.appsStopped.join(' ')}\` (or \`deployctl apply -f ${specPath}\`).`,
    );
  } else {
    parts.push('No app is left stopped.');
  }
  if (p?.safetyBackup) parts.push(`Safety backup: ${p.safetyBackup}.`);
  parts.push(
    `The project lock may still be held: release it with \`deployctl unlock -f ${specPath}\` once nothing else runs.`,
  );
  return parts.join(' ');
}
