import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import type { CliSession } from '../session.js';

/** `deployctl unlock`: release a lock left by a run that crashed or was killed. */
export const unlockCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'unlock',
  describe: "Release the project's deploy lock left behind by a crashed or killed run",
  builder: (y) => y.example('$0 unlock', 'Remove the lock of the project in ./deployctl.yaml'),
  handler: (args) => runCommand(args, (cli) => unlock(cli)),
};

async function unlock(cli: CliSession): Promise<number> {
  const spec = await cli.loadSpec();
  const engine = await cli.engine();
  const { breakLock, describeHolder } = await import('../../apply/lock.js');
  const holder = await breakLock(engine, spec.project);
  if (cli.args.json) {
    cli.json({ project: spec.project, released: holder !== undefined, holder: holder ?? null });
  } else if (holder) {
    cli.out(
      `Released the lock of ${spec.project}, held by ${describeHolder(holder, Date.now())}. ` +
        `Nothing else was changed. If that run was still going, it may fail its next step; run \`deployctl plan\` to see the live state.`,
    );
  } else {
    cli.out(`${spec.project} is not locked; nothing to release.`);
  }
  return EXIT.ok;
}
