import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import { badArgument, type CliSession } from '../session.js';

interface LogsArgs extends GlobalArgs {
  service: string | undefined;
  follow: boolean;
  since: string | undefined;
  tail: number | undefined;
}

/** `deployctl logs SERVICE`: the live generation's (or the infra) container's log. Reads only. */
export const logsCommand: CommandModule<GlobalArgs, LogsArgs> = {
  command: 'logs [service]',
  describe: "Show a service's log: the live generation's app container, or the infra container",
  builder: (y) =>
    y
      .positional('service', { type: 'string', describe: 'An infra or app service of the spec' })
      .option('follow', {
        type: 'boolean',
        default: false,
        describe:
          'Keep printing new lines until Ctrl+C, or until a deploy replaces the container (-f here means --follow; name the spec with --file)',
      })
      .option('since', {
        type: 'string',
        describe: 'Only lines written after this: a duration (10m, 2h) or a timestamp',
      })
      .option('tail', { type: 'number', describe: 'Only the last N lines' })
      .example('$0 logs backend --tail 100', 'The last 100 lines of the live backend container')
      .example('$0 logs db --since 10m -f', "The database's last 10 minutes, then follow"),
  handler: (args) => runCommand(args, (cli) => logs(cli, args)),
};

async function logs(cli: CliSession, args: LogsArgs): Promise<number> {
  if (args.tail !== undefined && (!Number.isInteger(args.tail) || args.tail < 0))
    throw badArgument(
      `--tail must be a whole number of lines (0 or more), not "${String(args.tail)}"; nothing was read.`,
    );
  const spec = await cli.loadSpec({ readOnly: true });
  if (args.service === undefined) {
    const names = [...spec.infra.services, ...spec.apps.services].map((s) => s.name);
    throw badArgument(
      `name the service whose log to show; nothing was read. Services: ${names.join(', ') || '(none)'}.`,
    );
  }
  let since: number | undefined;
  if (args.since !== undefined) {
    const [{ sinceToMs }, { parseDuration }] = await Promise.all([
      import('../../events/render-event.js'),
      import('../../spec/duration.js'),
    ]);
    since = sinceToMs(args.since, Date.now(), (v) => parseDuration(v));
    if (since === undefined)
      throw badArgument(
        `--since "${args.since}" is neither a duration (10m, 2h) nor a timestamp; nothing was read.`,
      );
  }
  // stderr carries the container's own stderr, byte for byte: no Engine line there.
  const engine = await cli.engine({ announce: false });
  const { findLogTarget, streamServiceLogs } = await import('../../logs/logs.js');
  const target = await findLogTarget(engine, spec, args.service);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  if (args.follow) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    cli.note(`Following ${target.container.name} (Ctrl+C to stop).`);
  }
  try {
    const ended = await streamServiceLogs(engine, spec, target, {
      stdout: cli.term.stdout,
      stderr: cli.term.stderr,
      follow: args.follow,
      ...(args.tail !== undefined ? { tail: args.tail } : {}),
      ...(since !== undefined ? { since } : {}),
      signal: stop.signal,
    });
    if (ended) cli.note(ended);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return EXIT.ok;
}
