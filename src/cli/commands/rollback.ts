import type { CommandModule } from 'yargs';
import type { Plan } from '../../plan/actions.js';
import type { RollbackOutcome } from '../../rollback/rollback.js';
import type { RollbackTarget } from '../../rollback/target.js';
import { approveOption, lockTimeoutOption, type GlobalArgs } from '../global-options.js';
import { durationFlag, lockHolder, lockSettings } from '../project-lock.js';
import { EXIT, runCommand } from '../run-command.js';
import { recorderFor } from '../run-recorder.js';
import type { CliSession } from '../session.js';
import type { Style } from '../style.js';

interface RollbackArgs extends GlobalArgs {
  deploy_id: string | undefined;
  'auto-approve': boolean;
  'lock-timeout': string;
}

/** `deployctl rollback [DEPLOY_ID]`: put a kept generation back exactly as it ran. */
export const rollbackCommand: CommandModule<GlobalArgs, RollbackArgs> = {
  command: 'rollback [deploy_id]',
  describe:
    'Put a kept app generation back exactly as it ran (its image, configuration and environment), health-gated, then retire the current one',
  builder: (y) =>
    y
      .positional('deploy_id', {
        type: 'string',
        describe: 'The generation to put back (default: the newest kept one before the live one)',
      })
      .option('auto-approve', approveOption)
      .option('lock-timeout', lockTimeoutOption)
      .example('$0 rollback', 'Put the previous generation back (asks first)')
      .example('$0 rollback 20261123T080000Z -y', 'Put this generation back without a question (CI)')
      .epilogue(
        'The kept (stopped) containers themselves are started again, so the old image id, configuration and environment come back, ' +
          "not today's spec values. The current generation keeps serving until they are healthy; then it is stopped and kept, so " +
          '`deployctl rollback <its id>` rolls forward again. Infrastructure is never touched and the database is NOT rolled back ' +
          '(see restore-db). `deployctl plan` afterwards shows how the spec differs from what runs: applying it rolls forward.',
      ),
  handler: (args) => runCommand(args, (cli) => rollbackRun(cli, args)),
};

async function rollbackRun(cli: CliSession, args: RollbackArgs): Promise<number> {
  const [{ rollback }, { systemClock }, { databaseNote }, { interruptOnSigint }] = await Promise.all([
    import('../../rollback/rollback.js'),
    import('../../util/clock.js'),
    import('../../rollback/database-note.js'),
    import('../signals.js'),
  ]);
  const lockTimeoutMs = await durationFlag('--lock-timeout', args['lock-timeout']);
  const spec = await cli.loadSpec();
  const engine = await cli.engine();
  const io = await cli.ioHost();
  const dbNote = await databaseNote(spec);
  const sigint = interruptOnSigint(cli);
  try {
    const outcome = await rollback(
      {
        spec,
        ...(args.deploy_id !== undefined ? { deployId: args.deploy_id } : {}),
        autoApprove: args['auto-approve'],
        lockTimeoutMs,
        holder: lockHolder('deployctl rollback', args.deploy_id ?? '-'),
        lock: await lockSettings(cli),
        onPlan: (target, plan) => {
          if (!cli.args.json) cli.out(renderRollbackPlan(target, plan, dbNote, cli.style));
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
    if (cli.args.json) cli.json(toJson(outcome, dbNote));
    else cli.out(renderOutcome(outcome, dbNote, cli));
    return EXIT.ok;
  } finally {
    sigint.dispose();
  }
}

function renderRollbackPlan(target: RollbackTarget, plan: Plan, dbNote: string, s: Style): string {
  const from = target.liveDeployId ? ` (live now: ${target.liveDeployId})` : '';
  const lines = [s.bold(`Rollback of ${plan.project} to generation ${target.deployId}${from}:`)];
  for (const a of plan.actions) {
    if (a.role !== 'app' || a.resource !== 'container') continue;
    const verb =
      a.phase === 'deploy'
        ? a.kind === 'start'
          ? a.reason === 'stopped'
            ? 'start'
            : 'wait'
          : 'keep'
        : a.kind === 'stop'
          ? 'stop, keep'
          : a.kind;
    lines.push(`  ${verb.padEnd(10)} ${a.name}: ${a.detail}`);
  }
  for (const w of plan.warnings) lines.push(`  ${s.yellow('warning')}    ${w.message}`);
  lines.push(dbNote);
  return lines.join('\n');
}

function renderOutcome(o: RollbackOutcome, dbNote: string, cli: CliSession): string {
  if (o.status === 'no_changes') {
    return `Nothing to do: generation ${o.target.deployId} is already back, running and healthy, and nothing else serves.`;
  }
  const r = o.result;
  const lines = [
    cli.style.bold(`Rollback complete: generation ${r.deployId} of ${r.project} is serving again.`),
  ];
  const row = (label: string, names: string[]): void => {
    if (names.length > 0) lines.push(`  ${label.padEnd(9)} ${names.join(', ')}`);
  };
  row('started', r.started);
  row('serving', r.serving);
  row('stopped', r.stopped);
  row('removed', r.removed);
  row('kept', r.kept);
  if (o.target.liveDeployId && o.target.liveDeployId !== r.deployId) {
    lines.push(`  Roll forward again: deployctl rollback ${o.target.liveDeployId} -f ${cli.specPath}`);
  }
  lines.push(
    '  `deployctl plan` now shows how the spec differs from what runs (expected after a rollback): applying it rolls forward.',
  );
  lines.push(dbNote);
  return lines.join('\n');
}

function toJson(o: RollbackOutcome, dbNote: string): Record<string, unknown> {
  return {
    status: o.status,
    deploy_id: o.target.deployId,
    previous_deploy_id: o.target.liveDeployId ?? null,
    revision: o.target.revision.number,
    services: o.target.services,
    result: o.status === 'rolled_back' ? o.result : null,
    database: dbNote,
  };
}
