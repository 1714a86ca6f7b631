import type { CommandModule } from 'yargs';
import { DeployctlError } from '../../errors.js';
import { approveOption, lockTimeoutOption, type GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import { durationFlag, lockHolder, lockSettings } from '../project-lock.js';
import { recorderFor } from '../run-recorder.js';
import type { CliSession } from '../session.js';

interface ApplyArgs extends GlobalArgs {
  planfile: string | undefined;
  'auto-approve': boolean;
  replace: string[];
  'lock-timeout': string;
}

/** `deployctl apply [PLANFILE]`: reconcile the engine with the spec, under the project lock. */
export const applyCommand: CommandModule<GlobalArgs, ApplyArgs> = {
  command: 'apply [planfile]',
  describe: 'Create missing infra, start a new health-gated app generation, retire the old one',
  builder: (y) =>
    y
      .positional('planfile', {
        type: 'string',
        describe: 'A plan saved with `plan --out`; refused if the spec or live state moved',
      })
      .option('auto-approve', approveOption)
      .option('replace', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Recreate this infra service on its same volumes (repeatable; asks first unless -y)',
      })
      .option('lock-timeout', lockTimeoutOption)
      .example('DEPLOY_ID=$CI_COMMIT_SHORT_SHA $0 apply -y', 'Deploy in CI')
      .example('$0 apply plan.json -y', 'Apply exactly a saved plan')
      .example('$0 apply --replace db', 'Recreate the db container on its volume (after confirmation)'),
  handler: (args) => runCommand(args, (cli) => apply(cli, args)),
};

async function apply(cli: CliSession, args: ApplyArgs): Promise<number> {
  const [{ deploy }, { systemClock }] = await Promise.all([
    import('../../apply/deploy.js'),
    import('../../util/clock.js'),
  ]);
  const lockTimeoutMs = await durationFlag('--lock-timeout', args['lock-timeout']);
  const saved = args.planfile ? await readSavedPlan(args.planfile, cli.term.env) : undefined;
  let { id, source } = cli.deployId();
  if (saved) {
    if (cli.args['deploy-id'] !== undefined && cli.args['deploy-id'] !== saved.deployId) {
      throw new DeployctlError(
        'BAD_ARGUMENT',
        `--deploy-id ${cli.args['deploy-id']} contradicts the saved plan, which deploys ${saved.deployId}; nothing was changed. Drop --deploy-id or plan again.`,
      );
    }
    ({ id, source } = { id: saved.deployId, source: 'flag' });
  }
  const spec = await cli.loadSpec({ deployId: id, deployIdSource: source });
  const engine = await cli.engine();
  const io = await cli.ioHost();
  const { renderPlanText } = await import('../../plan/render-text.js');
  const { interruptOnSigint } = await import('../signals.js');
  const sigint = interruptOnSigint(cli);
  try {
    const outcome = await deploy(
      {
        spec,
        deployId: id,
        deployIdGenerated: source === 'generated',
        replace: saved ? saved.replace : args.replace,
        autoApprove: args['auto-approve'],
        lockTimeoutMs,
        holder: lockHolder('deployctl apply', id),
        lock: await lockSettings(cli),
        savedPlan: saved,
        onPlan: (plan) => {
          if (!cli.args.json) cli.out(renderPlanText(plan, cli.style));
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
      const { planToJson } = await import('../../plan/plan-json.js');
      cli.json({
        status: outcome.status,
        plan: planToJson(outcome.plan),
        result: outcome.status === 'applied' ? outcome.result : null,
      });
    } else if (outcome.status === 'no_changes') {
      cli.out(
        `Nothing to do: generation ${outcome.plan.deployId} and the infrastructure already match the spec.`,
      );
    } else {
      const { renderApplySummary } = await import('../render-apply.js');
      cli.out(renderApplySummary(outcome.result, cli.style));
    }
    return EXIT.ok;
  } finally {
    sigint.dispose();
  }
}

async function readSavedPlan(file: string, env: NodeJS.ProcessEnv) {
  const { parsePlanJson } = await import('../../plan/plan-file.js');
  const { readPlanFileText } = await import('../plan-file-input.js');
  return parsePlanJson(await readPlanFileText(file, env), file);
}
