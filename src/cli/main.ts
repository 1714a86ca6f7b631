/**
 * deployctl's command line (run by launch.ts, the executable): yargs, one module per command. Command
 * modules are thin and import their real work lazily, so `--help` and `validate` start fast
 * without loading dockerode or listr2.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { applyCommand } from './commands/apply.js';
import { backupCommand } from './commands/backup.js';
import { downCommand } from './commands/down.js';
import { eventsCommand } from './commands/events.js';
import { historyCommand } from './commands/history.js';
import { initCommand } from './commands/init.js';
import { planCommand } from './commands/plan.js';
import { recoverCommand } from './commands/recover.js';
import { restoreDbCommand } from './commands/restore-db.js';
import { rollbackCommand } from './commands/rollback.js';
import { statusCommand } from './commands/status.js';
import { logsCommand } from './commands/logs.js';
import { unlockCommand } from './commands/unlock.js';
import { validateCommand } from './commands/validate.js';
import { withGlobalOptions } from './global-options.js';
import { followFlagArgv } from './follow-flag.js';
import { EXIT, setTerminal } from './run-command.js';

// docker-modem turns DOCKER_HOST=ssh://… into a URL Node 20 calls deprecated (DEP0170); that
// warning would be the first line of every ssh run and says nothing a user can act on.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  const code = typeof rest[0] === 'object' ? (rest[0] as { code?: string }).code : rest[1];
  if (code === 'DEP0170') return;
  (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
};

setTerminal({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});

// Not awaited: the bundle this becomes is CommonJS, for V8's code cache (launch.ts). Each command's
// errors are reported by runCommand; anything else still ends the process with its stack.
void withGlobalOptions(yargs(followFlagArgv(hideBin(process.argv))))
  .scriptName('deployctl')
  .usage(
    '$0 <command> [options]\n\nDeclarative deploys for Docker hosts: protected infrastructure, disposable app generations.',
  )
  .command(validateCommand)
  .command(planCommand)
  .command(applyCommand)
  .command(unlockCommand)
  .command(backupCommand)
  .command(restoreDbCommand)
  .command(historyCommand)
  .command(eventsCommand)
  .command(downCommand)
  .command(rollbackCommand)
  .command(recoverCommand)
  .command(statusCommand)
  .command(logsCommand)
  .command(initCommand)
  .demandCommand(
    1,
    'Name a command: validate, plan, apply, unlock, backup, restore-db, history, events, rollback, recover, down, status, logs or init (see --help).',
  )
  .recommendCommands()
  .strict()
  .env(false)
  .help()
  .alias('h', 'help')
  .version()
  // Wrap to the terminal; piped help (docs, grep) stays unwrapped rather than cut mid-word.
  .wrap(process.stdout.isTTY ? Math.min(110, process.stdout.columns) : null)
  .epilogue(
    'Exit codes: 0 success / no changes, 1 error, 2 plan --detailed-exitcode found changes, 3 another deploy holds the lock, 130 interrupted.\n' +
      'Set DEPLOYCTL_DEBUG=1 for stack traces. Docs: README.md; spec format: schemas/deployctl.schema.json',
  )
  .fail((msg, err) => {
    if (err) throw err; // errors of our own handlers are reported by runCommand
    process.stderr.write(
      `Error [BAD_ARGUMENT]: ${msg} Nothing was changed. See \`deployctl --help\` or \`deployctl <command> --help\`.\n`,
    );
    process.exit(EXIT.error);
  })
  .parseAsync();
