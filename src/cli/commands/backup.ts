import type { CommandModule } from 'yargs';
import type { BackupResult } from '../../db/backup.js';
import { formatBytes } from '../../db/bytes.js';
import { formatDuration } from '../../util/clock.js';
import { lockTimeoutOption, type GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import { recorderFor } from '../run-recorder.js';
import { durationFlag, takeLock } from '../project-lock.js';
import { collectGarbage } from '../reclaim-memory.js';
import type { CliSession } from '../session.js';
import type { Style } from '../style.js';

interface BackupArgs extends GlobalArgs {
  verbose: boolean;
  db: string | undefined;
  'lock-timeout': string;
}

/** `deployctl backup`: pg_dump -Fc of the spec's database into backups.dir, under the project lock. */
export const backupCommand: CommandModule<GlobalArgs, BackupArgs> = {
  command: 'backup',
  describe:
    'Dump the database (pg_dump -Fc) into backups.dir with a .sha256, keeping the newest backups.keep',
  builder: (y) =>
    y
      .option('verbose', {
        type: 'boolean',
        default: false,
        describe: 'Also report the exact row count of every table',
      })
      .option('db', {
        type: 'string',
        describe: 'The database service, when the spec has several with database:',
      })
      .option('lock-timeout', lockTimeoutOption)
      .example('$0 backup', 'Write backups/<project>_<db>_<UTC>.dump and its .sha256')
      .example('$0 backup -f /srv/sancho/deployctl.yaml --verbose', 'Also count the rows of every table')
      .example(
        '$0 backup --json --lock-timeout 10m',
        'For cron: wait for a running deploy, print the result as JSON',
      ),
  handler: (args) => runCommand(args, (cli) => backup(cli, args)),
};

async function backup(cli: CliSession, args: BackupArgs): Promise<number> {
  const lockTimeoutMs = await durationFlag('--lock-timeout', args['lock-timeout']);
  // Independent start-up work side by side: it is most of the fixed cost of a run.
  const [{ runBackup }, { lockLostOr, runSignal }, { systemClock }, { interruptOnSigint }, spec, engine, io] =
    await Promise.all([
      import('../../db/backup.js'),
      import('../../apply/lock-lost.js'),
      import('../../util/clock.js'),
      import('../signals.js'),
      cli.loadSpec({ dbService: args.db }),
      cli.engine(),
      cli.ioHost(),
    ]);
  const sigint = interruptOnSigint(cli);
  try {
    const lock = await takeLock(cli, engine, spec, io, 'deployctl backup', lockTimeoutMs, sigint.signal);
    let result: BackupResult;
    const [{ recorded }, { releaseQuietly }] = await Promise.all([
      import('../../revisions/recorded.js'),
      import('../../apply/lock-release.js'),
    ]);
    try {
      // Events only (backup.started and its terminal event, on the live revision): a backup
      // changes nothing deployed, so it is not a revision of its own. The lock is held, so the
      // recording begins beside the backup's own checks instead of before them.
      result = await recorded(
        await recorderFor(cli, engine, spec, sigint.signal),
        { kind: 'backup', deployId: '' },
        () =>
          runBackup(
            { spec, dbService: args.db, verbose: args.verbose },
            {
              engine,
              io,
              clock: systemClock,
              signal: runSignal(sigint.signal, lock.lost),
              reclaim: collectGarbage(),
            },
          ),
        () => Promise.resolve([]),
        { locked: Promise.resolve(lock) },
      );
    } catch (err) {
      throw lockLostOr(err, lock.lost, sigint.signal, { project: spec.project, command: 'backup' });
    } finally {
      // A failed release is a warning: it must not hide how the backup itself ended.
      await releaseQuietly(Promise.resolve(lock), io, spec.project);
    }
    if (cli.args.json) cli.json({ status: 'ok', ...result });
    else cli.out(renderBackup(result, cli.style));
    return EXIT.ok;
  } finally {
    sigint.dispose();
  }
}

function renderBackup(r: BackupResult, style: Style): string {
  const lines = [style.bold(`Backup written: ${r.path}`)];
  lines.push(
    `  size      ${formatBytes(r.bytes)}`,
    `  sha256    ${r.sha256} (in ${r.path}.sha256)`,
    `  took      ${formatDuration(r.durationMs)}`,
  );
  if (r.deleted.length > 0) lines.push(`  deleted   ${r.deleted.join(', ')} (retention)`);
  for (const t of r.tables ?? []) lines.push(`  rows      ${t.table} ${t.rows}`);
  return lines.join('\n');
}
