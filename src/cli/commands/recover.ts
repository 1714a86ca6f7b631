import type { CommandModule } from 'yargs';
import { approveOption, lockTimeoutOption, type GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import { durationFlag, lockHolder, lockSettings } from '../project-lock.js';
import { recorderFor } from '../run-recorder.js';
import type { CliSession } from '../session.js';

interface RecoverArgs extends GlobalArgs {
  'auto-approve': boolean;
  'lock-timeout': string;
}

/** `deployctl recover`: after a host or daemon restart, bring back what should run. */
export const recoverCommand: CommandModule<GlobalArgs, RecoverArgs> = {
  command: 'recover',
  describe:
    'After a host or daemon restart: bring back the infrastructure, then the live generation (never a retired one)',
  builder: (y) =>
    y
      .option('auto-approve', approveOption)
      .option('lock-timeout', lockTimeoutOption)
      .example('$0 recover', 'Show what is down, ask, and bring it back in dependency order')
      .example(
        '$0 recover -y --json',
        'From a boot script: no question, a JSON summary (schemas/recover.schema.json)',
      )
      .epilogue(
        'What should run: the live revision recorded on the engine host (see `deployctl history`) plus the infrastructure of the spec. ' +
          'Stopped containers are started; a lost infra container is recreated from the spec on its same volumes (never on a new empty one); ' +
          'a lost app container is recreated only when the spec still has the configuration its generation ran. Retired generations kept ' +
          'for rollback stay stopped. Exit 0 when nothing is left broken, 1 otherwise.',
      ),
  handler: (args) => runCommand(args, (cli) => recoverCli(cli, args)),
};

async function recoverCli(cli: CliSession, args: RecoverArgs): Promise<number> {
  const [{ recover }, { systemClock }, { renderRecoverPlan, renderRecoverSummary }] = await Promise.all([
    import('../../recover/recover.js'),
    import('../../util/clock.js'),
    import('../render-recover.js'),
  ]);
  const lockTimeoutMs = await durationFlag('--lock-timeout', args['lock-timeout']);
  const spec = await cli.loadSpec();
  const engine = await cli.engine();
  const io = await cli.ioHost();
  const { interruptOnSigint } = await import('../signals.js');
  const sigint = interruptOnSigint(cli);
  try {
    const outcome = await recover(
      {
        spec,
        autoApprove: args['auto-approve'],
        lockTimeoutMs,
        holder: lockHolder('deployctl recover', '-'),
        lock: await lockSettings(cli),
        onPlan: (plan) => {
          if (!cli.args.json && plan.steps.length > 0) cli.out(renderRecoverPlan(plan, cli.style));
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
    const { summary } = outcome;
    if (cli.args.json) cli.json(summary);
    else cli.out(renderRecoverSummary(summary, outcome.status === 'nothing_to_do', cli.style));
    return summary.errors.length === 0 ? EXIT.ok : EXIT.error;
  } finally {
    sigint.dispose();
  }
}
