import { randomBytes } from 'node:crypto';
import type { Engine, ExecResult } from '../engine/port.js';
import type { Clock } from '../util/clock.js';
import { formatBytes } from './bytes.js';
import { reclaimer } from './deps.js';
import type { CheckedDump } from './dump-check.js';
import { openContent } from './dump-source.js';
import { pgRestoreCommand, psqlQueryCommand, psqlRestoreCommand } from './pg-commands.js';
import { COMMITTED_MARKER, plainSqlInTransaction } from './plain-sql-stream.js';
import { lastLines } from './psql.js';
import type { DbTarget } from './target.js';

/**
 * `unknown`: the engine call itself failed, so the tool's exit was never seen; all that is
 * known is that its input ended early, which makes a commit unlikely but not impossible.
 */
export interface TransactionOutcome {
  state: 'committed' | 'rolled-back' | 'unknown';
  /** Ctrl+C came while the restore ran. */
  interrupted: boolean;
  detail?: string;
}

/**
 * Step 5: streams the dump into pg_restore (custom) or psql (plain) inside the container, in
 * one transaction, so a failure half-way leaves the database exactly as it was.
 *
 * Ctrl+C does not cut the stream (a cut plain stream must never be mistaken for its end);
 * it terminates the restore's own backend, found by a random application_name, so Postgres
 * rolls the transaction back; then this waits for the tool to exit and reports which way it
 * went (an interrupt that comes after the COMMIT finds the restore done).
 */
export async function restoreInOneTransaction(
  engine: Engine,
  target: DbTarget,
  dump: CheckedDump,
  opts: { clock: Clock; update: (text: string) => void; signal?: AbortSignal; reclaim?: () => void },
): Promise<TransactionOutcome> {
  const appName = `deployctl-restore-${randomBytes(6).toString('hex')}`;
  let sent = 0;
  const reclaim = reclaimer(opts);
  const content = openContent(dump, (n) => {
    sent += n;
    // Only a gzip's chunks are fresh buffers (zlib's output); a plain file's reuse one.
    if (dump.gzip) reclaim(n);
    opts.update(`sent ${formatBytes(sent)} of ${formatBytes(dump.bytes)}`);
  });
  const plain = dump.format === 'plain';
  const execution = engine.exec(
    target.container,
    plain ? psqlRestoreCommand(target) : pgRestoreCommand(target),
    {
      stdin: plain ? plainSqlInTransaction(content) : content,
      env: { ...target.env, PGAPPNAME: appName },
    },
  );
  const stopWatching = watchAbort(opts.signal, () =>
    terminateUntilSettled(engine, target, appName, execution, opts.clock),
  );
  let res: ExecResult;
  try {
    res = await execution;
  } catch (err) {
    return {
      state: 'unknown',
      interrupted: opts.signal?.aborted === true,
      detail: err instanceof Error ? err.message : String(err),
    };
  } finally {
    stopWatching();
  }
  const committed = res.exitCode === 0 && (!plain || res.stdout.includes(COMMITTED_MARKER));
  if (committed) return { state: 'committed', interrupted: opts.signal?.aborted === true };
  const tool = plain ? 'psql' : 'pg_restore';
  const detail =
    lastLines(res.stderr) ||
    (res.exitCode === 0
      ? `${tool} stopped before the end of the file (a \\q in it?)`
      : `exit code ${res.exitCode}`);
  return {
    state: 'rolled-back',
    interrupted: opts.signal?.aborted === true,
    detail: detail.startsWith(tool) ? detail : `${tool}: ${detail}`,
  };
}

function watchAbort(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** Terminates the restore's backend, again every half second until the tool has exited. */
function terminateUntilSettled(
  engine: Engine,
  target: DbTarget,
  appName: string,
  execution: Promise<unknown>,
  clock: Clock,
): void {
  let settled = false;
  execution.then(
    () => (settled = true),
    () => (settled = true),
  );
  const sql = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${appName}'`;
  void (async () => {
    while (!settled) {
      await engine
        .exec(target.container, psqlQueryCommand(target, sql), { env: target.env })
        .catch(() => undefined);
      await clock.sleep(500);
    }
  })();
}
