import { asDeployctlError, type DeployctlError } from '../errors.js';
import type { GlobalArgs } from './global-options.js';
import { CliSession, type Terminal } from './session.js';

/** Exit codes of SPEC.md; errors carry theirs (LOCK_HELD 3, INTERRUPTED 130, others 1). */
export const EXIT = { ok: 0, error: 1, changes: 2, locked: 3, interrupted: 130 } as const;

let terminal: Terminal | undefined;

/** Set once by main; tests may set their own streams. */
export function setTerminal(t: Terminal): void {
  terminal = t;
}

/**
 * The only place errors become output and exit codes. Commands return an exit code or throw;
 * a DeployctlError prints its one paragraph (and, with --json, a JSON error object on stdout);
 * anything else is an internal error. Stacks only with DEPLOYCTL_DEBUG=1.
 */
export async function runCommand(
  args: GlobalArgs,
  body: (cli: CliSession) => Promise<number>,
): Promise<void> {
  const term = terminal!;
  const cli = new CliSession(args, term);
  let code: number;
  try {
    code = await body(cli);
  } catch (err) {
    code = reportError(cli, asDeployctlError(err), err);
  }
  process.exitCode = code;
}

function reportError(cli: CliSession, error: DeployctlError, original: unknown): number {
  const s = cli.errStyle;
  cli.note(`${s.red(s.bold('Error'))} ${s.dim(`[${error.code}]`)}: ${error.message}`);
  if (cli.term.env.DEPLOYCTL_DEBUG) {
    cli.note(s.dim(debugStack(original)));
  }
  if (cli.args.json) {
    cli.json({
      error: { code: error.code, message: error.message, exit_code: error.exitCode, ...(error.data ?? {}) },
    });
  }
  return error.exitCode;
}

function debugStack(err: unknown): string {
  const lines: string[] = [];
  let current: unknown = err;
  while (current instanceof Error) {
    lines.push(current.stack ?? current.message);
    current = current.cause;
    if (current) lines.push('Caused by:');
  }
  return lines.join('\n');
}
