import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import type { CliSession } from '../session.js';

/** `deployctl status`: is the stack up? Reads only, takes no lock; exit 0 all well, 1 otherwise. */
export const statusCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'status',
  describe:
    'Show each infra and live app container: state, health, uptime, ports, drift, protection (exit 1 if anything is down or unhealthy)',
  builder: (y) =>
    y
      .example(
        '$0 status',
        'Is everything running and healthy? (exit 0 yes, 1 no: for cron and CI smoke steps)',
      )
      .example('$0 status --json', 'The same as JSON (schemas/status.schema.json)'),
  handler: (args) => runCommand(args, (cli) => status(cli)),
};

async function status(cli: CliSession): Promise<number> {
  const spec = await cli.loadSpec({ readOnly: true });
  const engine = await cli.engine();
  const { readStatus } = await import('../../status/read.js');
  const report = await readStatus(engine, spec, Date.now);
  if (cli.args.json) {
    cli.json(report);
  } else {
    const { renderStatusText } = await import('../../status/render.js');
    cli.out(renderStatusText(report, cli.style));
  }
  return report.ok ? EXIT.ok : EXIT.error;
}
