import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { DeployctlError, InterruptedError } from '../errors.js';
import { DemuxStream } from './demux.js';
import { EngineError } from './engine-error.js';
import { toEngineError } from './engine-failure.js';
import { CappedCollector, TailBuffer } from './exec-sinks.js';
import type { ExecOptions, ExecResult } from './port.js';

const STDERR_TAIL_BYTES = 64 * 1024;
const COLLECT_LIMIT_BYTES = 16 * 1024 * 1024;
/** After the output ends the engine may need a moment to record the exit code. */
const EXIT_POLL_MS = 50;
const EXIT_POLL_TRIES = 100;

/** Errors that only mean the other end hung up: the process closed stdin early, or exited. */
const HANG_UP = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

function isHangUp(err: unknown): boolean {
  return HANG_UP.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

function abortError(signal: AbortSignal, what: string): DeployctlError {
  if (signal.reason instanceof DeployctlError) return signal.reason;
  return new InterruptedError(
    `stopped waiting to ${what}; nothing was killed, so the process may still be running in the container.`,
  );
}

/**
 * Feeds `stdin` into the hijacked connection one chunk at a time, asking for the next chunk only
 * once the last is written to the socket, so a source may refill one buffer (a dump streams
 * without a fresh buffer per chunk); then half-closes the connection so the process sees EOF.
 * A process that stops reading early (`head -c 10`, `pg_restore --list`) makes the engine close
 * the connection: feeding just stops, the exit code decides. Resolves with the source's own
 * error when reading it failed; never rejects.
 */
async function feedStdin(stdin: AsyncIterable<Uint8Array>, conn: Duplex): Promise<Error | undefined> {
  try {
    for await (const chunk of stdin) {
      if (!(await written(conn, chunk))) return undefined;
    }
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  conn.end();
  return undefined;
}

/** False when the connection is gone (the process exited or stopped reading). */
function written(conn: Duplex, chunk: Uint8Array): Promise<boolean> {
  if (conn.destroyed || conn.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => conn.write(chunk, (err) => resolve(!err)));
}

/**
 * Feeds the connection into the demultiplexer, ending it (rather than failing) when the engine
 * hangs up: Linux reports a peer that closed with stdin bytes still unread as ECONNRESET after
 * the last output byte, where one would expect a clean end. `pipe` keeps the backpressure.
 */
function connectOutput(conn: Readable, demux: DemuxStream): void {
  conn.on('error', (err) => (isHangUp(err) ? demux.end() : demux.destroy(err)));
  // Closed without an end or an error: treat as a hang-up too; the exit code check catches a
  // process that is in fact still running.
  conn.on('close', () => {
    if (!demux.writableEnded && !demux.destroyed) demux.end();
  });
  conn.pipe(demux);
}

function inputFailed(err: Error, what: string): EngineError {
  return new EngineError(
    'other',
    `could not ${what}: reading the input to send it failed (${err.message}).`,
    { cause: err },
  );
}

async function exitCodeOf(exec: Docker.Exec, what: string, endpoint: string): Promise<number> {
  for (let i = 0; i < EXIT_POLL_TRIES; i++) {
    const info = await exec.inspect().catch((err: unknown) => {
      throw toEngineError(err, { action: what, endpoint });
    });
    if (!info.Running) return info.ExitCode ?? -1;
    await sleep(EXIT_POLL_MS);
  }
  throw new EngineError(
    'other',
    `could not ${what}: its output ended but the process is still running; it may have closed its output early. Nothing was killed.`,
  );
}

/**
 * Runs `cmd` in a running container with streamed stdin/stdout; see Engine.exec. Like
 * `stream.pipeline`, it ends `opts.stdout` when the output ends and resolves only after that
 * stream has finished, so a dump file is complete when this returns. `opts.stdin` is consumed:
 * if the process stops reading early, the rest is dropped and the stream destroyed.
 */
export async function runExec(
  docker: Docker,
  container: string,
  cmd: string[],
  opts: ExecOptions,
  endpoint: string,
): Promise<ExecResult> {
  // Only the program name: arguments may carry connection strings.
  const what = `run ${cmd[0] ?? '(nothing)'} in container ${container}`;
  const { stdin, signal } = opts;
  if (signal?.aborted) throw abortError(signal, what);

  let exec: Docker.Exec;
  let conn: Duplex | Readable;
  try {
    exec = await docker.getContainer(container).exec({
      Cmd: cmd,
      AttachStdin: stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(opts.user === undefined ? {} : { User: opts.user }),
    });
    // With stdin the connection is hijacked (a raw duplex socket); without, a plain response.
    conn = await exec.start(stdin ? { hijack: true, stdin: true } : {});
  } catch (err) {
    throw toEngineError(err, { action: what, endpoint });
  }

  const stderr = new TailBuffer(STDERR_TAIL_BYTES);
  const demux = new DemuxStream((chunk) => stderr.add(chunk));
  connectOutput(conn, demux);
  let stdinError: Error | undefined;
  if (stdin) {
    void feedStdin(stdin, conn as Duplex).then((err) => {
      if (!err) return;
      stdinError = err;
      conn.destroy(err);
    });
  }
  const collector = opts.stdout ? undefined : new CappedCollector(COLLECT_LIMIT_BYTES, what);
  try {
    await pipeline(demux, opts.stdout ?? collector!, signal ? { signal } : {});
  } catch (err) {
    conn.destroy();
    if (signal?.aborted) throw abortError(signal, what);
    if (stdinError) throw inputFailed(stdinError, what);
    if (err instanceof DeployctlError) throw err;
    throw toEngineError(err, { action: what, endpoint });
  } finally {
    // A stream source waiting for data would keep feeding alive; a generator ends at its next write.
    if (stdin instanceof Readable && !stdin.readableEnded) stdin.destroy();
    // The output has ended, so nothing more will be read. A process that stopped reading early
    // (pg_restore --list) leaves our unsent stdin queued on the socket, and the engine may hold
    // the hijacked connection open for many seconds, which keeps this process from exiting.
    conn.destroy();
  }
  if (stdinError) throw inputFailed(stdinError, what);
  const exitCode = await exitCodeOf(exec, what, endpoint);
  return { exitCode, stdout: collector?.text() ?? '', stderr: stderr.toString() };
}
