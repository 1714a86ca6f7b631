import type { CommandModule } from 'yargs';
import { approveOption, lockTimeoutOption, type GlobalArgs } from '../global-options.js';
import { durationFlag, lockHolder, lockSettings } from '../project-lock.js';
import { EXIT, runCommand } from '../run-command.js';
import { recorderFor } from '../run-recorder.js';
import type { CliSession } from '../session.js';

interface DownArgs extends GlobalArgs {
  'auto-approve': boolean;
  'include-infra': boolean;
  'lock-timeout': string;
}

/** `deployctl down`: stop and remove the app containers (all generations), under the project lock. */
export const downCommand: CommandModule<GlobalArgs, DownArgs> = {
  command: 'down',
  describe:
    'Stop and remove the app containers of every generation; --include-infra also stops (never removes) infra',
  builder: (y) =>
    y
      .option('auto-approve', approveOption)
      .option('include-infra', {
        type: 'boolean',
        default: false,
        describe: 'Also stop the infra containers (they are kept, with their volumes)',
      })
      .option('lock-timeout', lockTimeoutOption)
      .example('$0 down', 'Show what goes, what stays, and ask')
      .example('$0 down -y --include-infra', 'Stop everything without a question; `apply` brings it back')
      .epilogue(
        'Never removes a volume, an infra dir, a network, an infra container, a container deployctl did not create, ' +
          'or anything matching cleanup.protect. `deployctl apply` afterwards brings the stack back with its data.',
      ),
  handler: (args) => runCommand(args, (cli) => down(cli, args)),
};

async function down(cli: CliSession, args: DownArgs): Promise<number> {
  const [
    { takeDown },
    { systemClock },
    { downToJson, renderDownPlan, renderDownSummary },
    { interruptOnSigint },
  ] = await Promise.all([
    import('../../down/down.js'),
    import('../../util/clock.js'),
    import('../render-down.js'),
    import('../signals.js'),
  ]);
  const lockTimeoutMs = await durationFlag('--lock-timeout', args['lock-timeout']);
  const spec = await cli.loadSpec();
  const engine = await cli.engine();
  const io = await cli.ioHost();
  const sigint = interruptOnSigint(cli, {
    first: 'Interrupted: stopping after the containers being stopped now (Ctrl+C again to quit at once)…',
    quit: () =>
      `Quit at once: some containers may be stopped but not removed, and the lock may still be held. Run \`deployctl down -f ${cli.specPath}\` again to finish (it takes a dead run's lock over).`,
  });
  try {
    const outcome = await takeDown(
      {
        spec,
        includeInfra: args['include-infra'],
        autoApprove: args['auto-approve'],
        lockTimeoutMs,
        holder: lockHolder('deployctl down', '-'),
        lock: await lockSettings(cli),
        onPlan: (plan) => {
          if (!cli.args.json) cli.out(renderDownPlan(plan, cli.style));
        },
      },
      {
        engine,
        io,
        clock: systemClock,
        signal: sigint.signal,
        recorder: await recorderFor(cli, engine, spec, sigint.signal),
      },
    );
    if (cli.args.json) {
      cli.json(
        downToJson(outcome.status, outcome.plan, outcome.status === 'done' ? outcome.result : undefined),
      );
    } else if (outcome.status === 'done') {
      cli.out(renderDownSummary(outcome.plan, outcome.result, cli.style));
    }
    return EXIT.ok;
  } finally {
    sigint.dispose();
  }
}
