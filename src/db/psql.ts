import { DeployctlError, type ErrorCode } from '../errors.js';
import type { Engine } from '../engine/port.js';
import { psqlQueryCommand } from './pg-commands.js';
import type { DbTarget } from './target.js';

/**
 * Runs one SQL query through psql inside the database container and returns its rows as
 * string cells. A failure becomes `code` with psql's own words, so the caller's message can
 * say which step it was.
 */
export async function queryRows(
  engine: Engine,
  target: DbTarget,
  sql: string,
  fail: { code: ErrorCode; what: string },
  signal?: AbortSignal,
): Promise<string[][]> {
  const res = await engine.exec(target.container, psqlQueryCommand(target, sql), { env: target.env, signal });
  if (res.exitCode !== 0) {
    throw new DeployctlError(
      fail.code,
      `${fail.what} failed: psql in ${target.container} exited with code ${res.exitCode} (${lastLines(res.stderr) || 'no error output'}).`,
      { data: { container: target.container, exitCode: res.exitCode } },
    );
  }
  return res.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

/** The last few non-empty lines of a tool's stderr, joined into one line for a message. */
export function lastLines(text: string, count = 4): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' / ');
}
