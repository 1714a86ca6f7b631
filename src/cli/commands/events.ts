import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import { badArgument, type CliSession } from '../session.js';

interface EventsArgs extends GlobalArgs {
  since: string | undefined;
  follow: boolean;
}

const FOLLOW_POLL_MS = 1000;

/** `deployctl events`: the project's lifecycle events, kept on the engine host. Reads only. */
export const eventsCommand: CommandModule<GlobalArgs, EventsArgs> = {
  command: 'events',
  describe:
    "Show the project's lifecycle events (deploys, containers, notifications) kept on the engine host",
  builder: (y) =>
    y
      .option('since', {
        type: 'string',
        describe: 'Only events after this: a duration (10m, 2h) or a timestamp',
      })
      .option('follow', {
        type: 'boolean',
        default: false,
        describe: 'Keep printing new events until Ctrl+C (-f here means --follow; name the spec with --file)',
      })
      .example('$0 events --since 1h', 'What happened in the last hour')
      .example('$0 events --json -f', 'Stream events as JSON Lines (schemas/event.schema.json)'),
  handler: (args) => runCommand(args, (cli) => events(cli, args)),
};

async function events(cli: CliSession, args: EventsArgs): Promise<number> {
  const spec = await cli.loadSpec({ readOnly: true });
  const engine = await cli.engine();
  const [{ ProjectStore }, { readEvents }, { renderEventLine, sinceToMs }, { parseDuration }] =
    await Promise.all([
      import('../../revisions/store.js'),
      import('../../events/run-events.js'),
      import('../../events/render-event.js'),
      import('../../spec/duration.js'),
    ]);
  let after = Number.NEGATIVE_INFINITY;
  if (args.since !== undefined) {
    const ms = sinceToMs(args.since, Date.now(), (v) => parseDuration(v));
    if (ms === undefined)
      throw badArgument(
        `--since "${args.since}" is neither a duration (10m, 2h) nor a timestamp; nothing was read.`,
      );
    after = ms;
  }
  const store = new ProjectStore(engine, spec.project);
  const seen = new Set<string>();
  const print = async (): Promise<number> => {
    let printed = 0;
    for (const e of await readEvents(store)) {
      const key = JSON.stringify(e);
      if (seen.has(key) || Date.parse(e.ts) < after) continue;
      seen.add(key);
      cli.out(cli.args.json ? JSON.stringify(e) : renderEventLine(e));
      printed++;
    }
    return printed;
  };
  const first = await print();
  if (!args.follow) {
    if (first === 0 && !cli.args.json)
      cli.note(`No events recorded for ${spec.project}${args.since ? ` since ${args.since}` : ''}.`);
    return EXIT.ok;
  }
  // Follow: poll the store until Ctrl+C, which ends a follow normally (exit 0).
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { systemClock } = await import('../../util/clock.js');
  try {
    while (!stop.signal.aborted) {
      await systemClock.sleep(FOLLOW_POLL_MS, stop.signal);
      if (!stop.signal.aborted) await print();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return EXIT.ok;
}
