import { homedir } from 'node:os';
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import { badArgument, type CliSession } from '../session.js';

interface InitArgs extends GlobalArgs {
  from: string | undefined;
  output: string;
  project: string | undefined;
  force: boolean;
}

/** `deployctl init --from docker-compose.yml`: a spec to review, converted from a Compose file. */
export const initCommand: CommandModule<GlobalArgs, InitArgs> = {
  command: 'init',
  describe: 'Write a deployctl spec converted from a Compose file, with a comment on every change',
  builder: (y) =>
    y
      .option('from', { type: 'string', describe: 'The Compose file to convert (its .env is read too)' })
      .option('output', {
        alias: 'o',
        type: 'string',
        default: 'deployctl.yaml',
        describe: 'Spec file to write',
      })
      .option('project', { type: 'string', describe: "Project name (default: Compose's project name)" })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Overwrite the output file if it exists',
      })
      .example(
        '$0 init --from docker-compose.yml',
        'Write ./deployctl.yaml, then review its "init:" comments',
      )
      .example(
        '$0 init --from compose.yml --project shop -o deploy/deployctl.yaml --json',
        'The report as JSON (schemas/init.schema.json)',
      ),
  handler: (args) => runCommand(args, (cli) => init(cli, args)),
};

async function init(cli: CliSession, args: InitArgs): Promise<number> {
  if (args.from === undefined)
    throw badArgument(
      'name the Compose file to convert with --from docker-compose.yml; nothing was written.',
    );
  const { readComposeOrFail, runInit } = await import('../../init/init.js');
  const base = {
    from: args.from,
    output: args.output,
    force: args.force,
    cwd: cli.term.cwd,
    env: cli.term.env,
  };
  const read = await readComposeOrFail(base);
  const report = await runInit(
    {
      ...base,
      ...(args.project !== undefined ? { project: args.project } : {}),
      home: homedir(),
      volumes: await engineVolumes(cli),
    },
    read,
  );
  if (cli.args.json) {
    cli.json(report);
    return EXIT.ok;
  }
  const { renderInitText } = await import('../../init/render-report.js');
  cli.out(renderInitText(report));
  return EXIT.ok;
}

/** The engine's volume names, to make volumes that already hold data external; none without an engine. */
async function engineVolumes(
  cli: CliSession,
): Promise<{ names: ReadonlySet<string> } | { unavailable: string }> {
  try {
    const engine = await cli.engine({ announce: false });
    return { names: new Set((await engine.listVolumes()).map((v) => v.name)) };
  } catch {
    return { unavailable: 'no engine reachable: volumes were not checked for existing data' };
  }
}
