import type { SpecIssue } from '../errors.js';
import type { InputProblem } from './input-file.js';

/**
 * Limits on what deployctl reads as input, so a wrong or hostile file is refused in well under a
 * second instead of pinning a CPU or exhausting memory. Real specs are a few kilobytes with a
 * handful of nesting levels; each limit is far beyond that.
 */
export const DEFAULT_MAX_SPEC_BYTES = 1024 * 1024;
/** Collections inside collections (a service's healthcheck test list is level 5). */
export const MAX_NESTING = 64;
/** Map keys plus list items in the whole document. */
export const MAX_ENTRIES = 20_000;
/** yaml's `maxAliasCount`: how many nodes aliases may expand to, against alias bombs. */
export const MAX_ALIAS_EXPANSION = 1000;
/** A saved plan lists every field of every service, so it may be larger than its spec. */
export const PLAN_BYTES_FACTOR = 16;

export const MAX_SPEC_BYTES_VAR = 'DEPLOYCTL_MAX_SPEC_BYTES';

/** The byte limit for the spec and its .env: `DEPLOYCTL_MAX_SPEC_BYTES`, else 1 MiB. */
export function specByteLimit(
  env: Record<string, string | undefined>,
): { ok: true; limit: number } | { ok: false; message: string } {
  const raw = env[MAX_SPEC_BYTES_VAR];
  if (raw === undefined || raw === '') return { ok: true, limit: DEFAULT_MAX_SPEC_BYTES };
  const limit = /^[0-9]{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (Number.isSafeInteger(limit) && limit > 0) return { ok: true, limit };
  return {
    ok: false,
    message: `was not read: ${MAX_SPEC_BYTES_VAR}=${JSON.stringify(raw.slice(0, 40))} is not a number of bytes; set a whole number such as ${4 * DEFAULT_MAX_SPEC_BYTES}, or unset it for the default of ${formatBytes(DEFAULT_MAX_SPEC_BYTES)}`,
  };
}

/** The byte limit for a saved plan: PLAN_BYTES_FACTOR times the spec's. */
export function planByteLimit(env: Record<string, string | undefined>): number {
  const spec = specByteLimit(env);
  return PLAN_BYTES_FACTOR * (spec.ok ? spec.limit : DEFAULT_MAX_SPEC_BYTES);
}

/** `1 MiB (1048576 bytes)`, `1,500 bytes`: sizes as messages show them. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const value = n / size;
      const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
      return `${shown} ${unit} (${n} bytes)`;
    }
  }
  return `${n} bytes`;
}

/**
 * An input problem as a located issue whose message is a predicate of the file ("is 10 MiB,
 * more than …"). `what` names the kind of file ("a spec", "a .env file"); `raise` says how the
 * byte limit is raised, when it can be.
 */
export function inputIssue(file: string, problem: InputProblem, what: string, raise?: string): SpecIssue {
  const issue = { file, line: 0, col: 0, path: '', severity: 'error' as const };
  const orRaise = raise ? `, or ${raise}` : '';
  switch (problem.kind) {
    case 'unreadable':
      return {
        ...issue,
        message:
          problem.code === 'EISDIR'
            ? `is a directory, not ${what}; name the file itself`
            : `cannot be read (${problem.code}); check that it is a readable file`,
      };
    case 'too-large': {
      const message = problem.atLeast
        ? `gave more than ${formatBytes(problem.limit)}, the most ${what} may have; reading stopped there and nothing was parsed. Check that this is the input you meant${orRaise}`
        : `is ${formatBytes(problem.bytes)}, more than the ${formatBytes(problem.limit)} ${what} may have; it was not read. Check that this is the file you meant${orRaise}`;
      return { ...issue, message };
    }
    case 'not-text':
      return { ...issue, line: problem.line, col: problem.col, message: problem.what };
  }
}
