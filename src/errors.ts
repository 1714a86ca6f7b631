/**
 * The one error type users see. Every failure that reaches the CLI is a DeployctlError with a
 * stable code (for scripts and docs), a one-paragraph message that says what happened, what was
 * left untouched and what to do next, and the exit code the CLI returns for it.
 */
export type ErrorCode =
  | 'SPEC_NOT_FOUND'
  | 'FILE_EXISTS'
  | 'SPEC_INVALID'
  | 'BAD_ARGUMENT'
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_ERROR'
  | 'LOCK_HELD'
  | 'LOCK_LOST'
  | 'LOCK_IN_USE'
  | 'PROTECTED_CONFLICT'
  | 'PLAN_BLOCKED'
  | 'PLAN_STALE'
  | 'PLAN_FILE_INVALID'
  | 'IMAGE_UNAVAILABLE'
  | 'CONTAINER_UNHEALTHY'
  | 'APPLY_FAILED'
  | 'NOT_CONFIRMED'
  | 'INTERRUPTED'
  | 'DB_NOT_CONFIGURED'
  | 'DUMP_INVALID'
  | 'BACKUP_FAILED'
  | 'NO_SPACE'
  | 'RESTORE_FAILED'
  | 'TRAFFIC_SWITCH_FAILED'
  | 'SPEC_TOO_LARGE'
  | 'SPEC_NOT_TEXT'
  | 'ROLLBACK_UNAVAILABLE'
  | 'ROLLBACK_FAILED'
  | 'RECOVER_INCOMPLETE'
  | 'NO_CONTAINER'
  | 'INTERNAL';

export interface ErrorOptions {
  /** Underlying error, kept for DEPLOYCTL_DEBUG=1 output. */
  cause?: unknown;
  /** Overrides the exit code derived from the error code. */
  exitCode?: number;
  /** Structured data for --json output. */
  data?: Record<string, unknown>;
}

const EXIT_CODES: Partial<Record<ErrorCode, number>> = { LOCK_HELD: 3, INTERRUPTED: 130 };

export class DeployctlError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeployctlError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT_CODES[code] ?? 1;
    this.data = options.data;
  }
}

/**
 * A spec problem with its location, rendered as `file:line:col: path message`, e.g.
 * `deployctl.yaml:14:7: apps.services.api has unknown key "portz"`. Messages are written as
 * predicates of the path ("has unknown key …", "must be …", "refers to undefined network …").
 */
export interface SpecIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the offending node, e.g. `apps.services.api`; empty for file-level problems. */
  path: string;
  /** `error` stops the command; `warning` is shown and the command goes on. */
  severity?: 'error' | 'warning';
  message: string;
  /** Set on the one line that stands for problems not listed one by one: how many it stands for. */
  unlisted?: number;
}

export function formatIssue(issue: SpecIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
  return issue.path ? `${where}: ${issue.path} ${issue.message}` : `${where}: ${issue.message}`;
}

export class SpecInvalidError extends DeployctlError {
  readonly issues: SpecIssue[];
  /** `code`: SPEC_TOO_LARGE / SPEC_NOT_TEXT when the file was refused before validation. */
  constructor(file: string, issues: SpecIssue[], code: ErrorCode = 'SPEC_INVALID') {
    const n = issues.reduce((sum, i) => sum + (i.unlisted ?? 1), 0);
    super(
      code,
      `${file} has ${n} problem${n === 1 ? '' : 's'}; nothing was changed. Fix ${n === 1 ? 'it' : 'them'} and run \`deployctl validate\` again:\n` +
        issues.map((i) => `  ${formatIssue(i)}`).join('\n'),
      { data: { issues } },
    );
    this.issues = issues;
  }
}

export class InterruptedError extends DeployctlError {
  constructor(message: string) {
    super('INTERRUPTED', message);
  }
}

/** Wraps anything thrown by a dependency so the CLI can still print one paragraph. */
export function asDeployctlError(err: unknown): DeployctlError {
  if (err instanceof DeployctlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DeployctlError(
    'INTERNAL',
    `unexpected error: ${message}. This is a bug in deployctl; re-run with DEPLOYCTL_DEBUG=1 for the stack trace and report it.`,
    { cause: err },
  );
}
