import { appendFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Engine } from '../engine/port.js';
import type { Recorder } from '../revisions/recorder.js';
import type { Spec } from '../spec/model.js';
import type { CliSession } from './session.js';

/**
 * The recorder of one changing command: revisions and events go to the store on the engine
 * host, each event also to `--events-file` / DEPLOYCTL_EVENTS_FILE when set, and webhooks hear
 * about the run once its outcome is settled (Ctrl+C cuts their retries short).
 */
export async function recorderFor(
  cli: CliSession,
  engine: Engine,
  spec: Spec,
  signal?: AbortSignal,
): Promise<Recorder> {
  const [
    { makeRecorder },
    { ProjectStore },
    { whoRan },
    { deliverEvent, DEFAULT_DELIVERY },
    { systemClock },
  ] = await Promise.all([
    import('../revisions/recorder.js'),
    import('../revisions/store.js'),
    import('../revisions/who.js'),
    import('../notify/deliver.js'),
    import('../util/clock.js'),
  ]);
  const eventsFile = cli.args['events-file'] ?? cli.term.env.DEPLOYCTL_EVENTS_FILE;
  const host = cli.holder('', '').host;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  const webhooks = spec.notify.webhooks;
  return makeRecorder({
    store: new ProjectStore(engine, spec.project),
    project: spec.project,
    who: whoRan(cli.term.env, user, host),
    keep: spec.history.keep,
    now: () => Date.now(),
    mask: (t) => cli.mask(t),
    // One write call per line with O_APPEND: a kill -9 cannot leave half a line.
    onEvent: eventsFile ? (_e, line) => appendEvent(eventsFile, line, cli) : undefined,
    deliver:
      webhooks.length === 0
        ? undefined
        : async (events) => {
            const failures = [];
            for (const e of events) {
              failures.push(
                ...(await deliverEvent(webhooks, e, {
                  ...DEFAULT_DELIVERY,
                  signal,
                  sleep: (ms, sig) => systemClock.sleep(ms, sig),
                })),
              );
            }
            return failures;
          },
    warn: (code, text) => cli.note(`${cli.errStyle.yellow('Warning:')} ${text} [${code}]`),
  });
}

let appendFailed = false;

function appendEvent(path: string, line: string, cli: CliSession): void {
  try {
    appendFileSync(path, `${line}\n`, { mode: 0o600 });
  } catch (err) {
    if (appendFailed) return;
    appendFailed = true;
    cli.note(
      `${cli.errStyle.yellow('Warning:')} could not append events to ${path} (${(err as Error).message}); the run goes on and events are still kept on the engine host.`,
    );
  }
}
