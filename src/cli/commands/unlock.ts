import type { CommandModule } from 'yargs';
import { DeployctlError } from '../../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { lockSettings } from '../project-lock.js';
import { EXIT, runCommand } from '../run-command.js';
import type { CliSession } from '../session.js';

interface UnlockArgs extends GlobalArgs {
  force: boolean;
}

/** `deployctl unlock [--force]`: release a lock whose holder is dead (or any, with --force). */
export const unlockCommand: CommandModule<GlobalArgs, UnlockArgs> = {
  command: 'unlock',
  describe: "Release the project's deploy lock when its holder is dead (--force: even a live one)",
  builder: (y) =>
    y
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Release the lock even though its holder still runs (that run then stops with LOCK_LOST)',
      })
      .example('$0 unlock', 'Release the lock of ./deployctl.yaml if the run holding it is dead')
      .example('$0 unlock --force', 'Release it even from a run that is still going'),
  handler: (args) => runCommand(args, (cli) => unlock(cli, args)),
};

async function unlock(cli: CliSession, args: UnlockArgs): Promise<number> {
  const spec = await cli.loadSpec();
  const engine = await cli.engine();
  const [{ unlockProject }, { describeHolder }, { systemClock, formatDuration }, { interruptOnSigint }] =
    await Promise.all([
      import('../../apply/lock-unlock.js'),
      import('../../apply/lock-holder.js'),
      import('../../util/clock.js'),
      import('../signals.js'),
    ]);
  const project = spec.project;
  const sigint = interruptOnSigint(cli, {
    first: 'Interrupted: the lock was not released.',
    quit: () => 'Quit: the lock was not released.',
  });
  try {
    const outcome = await unlockProject(engine, project, {
      force: args.force,
      clock: systemClock,
      settings: await lockSettings(cli),
      signal: sigint.signal,
      onWatch: (holder, ms) =>
        cli.note(
          `The lock of ${project} is held by ${describeHolder(holder, Date.now())}; watching its lease for up to ${formatDuration(ms)} to tell whether that run is alive…`,
        ),
    });
    const holder = outcome.status === 'not_locked' ? null : outcome.holder;
    if (outcome.status === 'refused') {
      throw new DeployctlError(
        'LOCK_IN_USE',
        `not releasing the lock of ${project}: it is held by ${describeHolder(outcome.holder, Date.now())}, and ${outcome.reason}. ` +
          'Nothing was changed. A run that dies is taken over by the next run by itself; if you are sure that run must stop, ' +
          `\`deployctl unlock --force -f ${cli.specPath}\` releases it (it then stops with LOCK_LOST at its next renewal).`,
        { data: { project, holder: outcome.holder } },
      );
    }
    if (cli.args.json) {
      cli.json({
        project,
        released: outcome.status === 'released',
        holder,
        reason: outcome.status === 'released' ? outcome.reason : null,
      });
    } else if (outcome.status === 'released') {
      cli.out(
        `Released the lock of ${project}, held by ${describeHolder(outcome.holder, Date.now())} (${outcome.reason}). ` +
          `Nothing else was changed. Run \`deployctl plan\` to see the live state; re-running the interrupted command finishes its work.`,
      );
    } else if (outcome.status === 'gone') {
      cli.out(
        `The lock of ${project} held by ${describeHolder(outcome.holder, Date.now())} was released by someone else meanwhile; nothing was removed.`,
      );
    } else {
      cli.out(`${project} is not locked; nothing to release.`);
    }
    return EXIT.ok;
  } finally {
    sigint.dispose();
  }
}
