import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import type { CliSession } from '../session.js';

/** `deployctl history`: the revisions recorded on the engine host, newest first. Reads only. */
export const historyCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'history',
  describe: 'List the revisions (apply, rollback, recover, restore-db, down) recorded on the engine host',
  builder: (y) =>
    y
      .example('$0 history', 'What ran when, by whom, and what can still be rolled back to')
      .example('$0 history --json', 'The same as JSON (schemas/history.schema.json)'),
  handler: (args) => runCommand(args, (cli) => history(cli)),
};

async function history(cli: CliSession): Promise<number> {
  const spec = await cli.loadSpec({ readOnly: true });
  const engine = await cli.engine();
  const [{ ProjectStore }, { readHistory }] = await Promise.all([
    import('../../revisions/store.js'),
    import('../../revisions/history.js'),
  ]);
  const result = await readHistory(
    engine,
    new ProjectStore(engine, spec.project),
    spec.project,
    spec.history.keep,
  );
  if (cli.args.json) {
    cli.json(result);
  } else {
    const { renderHistoryText } = await import('../../revisions/render-history.js');
    cli.out(renderHistoryText(result));
  }
  return EXIT.ok;
}
