import type { CommandModule } from 'yargs';
import { writeFile } from 'node:fs/promises';
import type { GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import type { CliSession } from '../session.js';
import type { Engine } from '../../engine/port.js';
import type { Spec } from '../../spec/model.js';

interface PlanArgs extends GlobalArgs {
  out: string | undefined;
  'detailed-exitcode': boolean;
  replace: string[];
}

/** `deployctl plan`: strictly read-only diff of the spec against the live engine. */
export const planCommand: CommandModule<GlobalArgs, PlanArgs> = {
  command: 'plan',
  describe: 'Show what apply would change, Terraform-style. Read-only: changes nothing.',
  builder: (y) =>
    y
      .option('out', {
        type: 'string',
        describe: 'Save the plan as JSON (no secret values) for `deployctl apply FILE`',
      })
      .option('detailed-exitcode', {
        type: 'boolean',
        default: false,
        describe: 'Exit 0 when there is nothing to change, 2 when there are changes, 1 on error',
      })
      .option('replace', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Plan to recreate this infra service on its same volumes (repeatable)',
      })
      .example('$0 plan', 'Show the plan for ./deployctl.yaml')
      .example(
        'DEPLOY_ID=$CI_COMMIT_SHORT_SHA $0 plan --detailed-exitcode --out plan.json',
        'In a merge-request pipeline',
      ),
  handler: (args) => runCommand(args, (cli) => plan(cli, args)),
};

async function plan(cli: CliSession, args: PlanArgs): Promise<number> {
  const { id, source } = cli.deployId();
  const spec = await cli.loadSpec({ deployId: id, deployIdSource: source });
  const engine = await cli.engine();
  const [{ observe }, { planDeploy }, { matchingLiveGeneration }, { hasChanges }] = await Promise.all([
    import('../../apply/observe.js'),
    import('../../plan/planner.js'),
    import('../../plan/live-generation.js'),
    import('../../plan/actions.js'),
  ]);
  const observed = await observe(engine, spec, id);
  const deployId = (source === 'generated' && matchingLiveGeneration(spec, observed)) || id;
  const result = planDeploy({ spec, deployId, observed, replace: args.replace, now: Date.now() });

  const { planToJson } = await import('../../plan/plan-json.js');
  if (args.out) {
    await writeFile(args.out, `${JSON.stringify(planToJson(result), null, 2)}\n`, { mode: 0o600 });
  }
  if (cli.args.json) {
    cli.json(planToJson(result));
  } else {
    const { renderPlanText } = await import('../../plan/render-text.js');
    cli.out(renderPlanText(result, cli.style));
    const rolledBack = await liveRollback(engine, spec, deployId);
    if (rolledBack) cli.out(rolledBack);
    if (args.out)
      cli.note(`Saved the plan to ${args.out}; apply exactly it with \`deployctl apply ${args.out}\`.`);
  }
  if (result.blockers.length > 0) {
    cli.note(
      `${cli.errStyle.red('Error [PLAN_BLOCKED]:')} apply would refuse this plan (${result.blockers.length} blocking problem(s) above); nothing was changed. Resolve them and plan again.`,
    );
    return EXIT.error;
  }
  return args['detailed-exitcode'] && hasChanges(result) ? EXIT.changes : EXIT.ok;
}

/**
 * Whether the live generation was put back by `rollback`, from the history on the engine host.
 * Memory, not truth: an unreadable history only leaves this line out of the plan.
 */
async function liveRollback(engine: Engine, spec: Spec, deployId: string): Promise<string | undefined> {
  const [{ ProjectStore }, { readLedger }, { liveRollbackNote }] = await Promise.all([
    import('../../revisions/store.js'),
    import('../../revisions/ledger.js'),
    import('../../revisions/live-rollback.js'),
  ]);
  try {
    return liveRollbackNote(
      await readLedger(new ProjectStore(engine, spec.project), spec.history.keep),
      deployId,
    );
  } catch {
    return undefined;
  }
}
