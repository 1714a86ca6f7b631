import { join } from 'node:path';
import type { SpecIssue } from '../errors.js';
import { parseDotenv } from './dotenv.js';
import { readInputText, type InputProblem } from './input-file.js';
import { MAX_SPEC_BYTES_VAR, inputIssue } from './input-limits.js';

const RAISE_LIMIT = `raise the limit with ${MAX_SPEC_BYTES_VAR}=BYTES`;

/** The problem reported when the spec file itself cannot be read as text. */
export function unreadableSpec(file: string, problem: InputProblem): SpecIssue {
  if (problem.kind !== 'unreadable' || problem.code === 'EISDIR')
    return inputIssue(file, problem, 'a spec file', RAISE_LIMIT);
  const message =
    problem.code === 'ENOENT'
      ? 'does not exist; pass -f FILE, or create ./deployctl.yaml (examples/sancho/deployctl.yaml is a starting point)'
      : `cannot be read (${problem.code}); check that it is a readable file, or pass -f FILE`;
  return { file, line: 0, col: 0, path: '', severity: 'error', message };
}

/**
 * The variables of the optional `.env` in the spec's directory, with its problems located by
 * line. `shown` turns an absolute path into the form used in messages. The .env is held to the
 * spec's byte limit and must be text, like the spec.
 */
export async function readDotenvBeside(
  dir: string,
  shown: (path: string) => string,
  limit: number,
): Promise<{ values: Record<string, string>; issues: SpecIssue[]; overLimit: boolean }> {
  const path = join(dir, '.env');
  const file = shown(path);
  const read = await readInputText(path, limit);
  if (!read.ok) {
    const { problem } = read;
    if (problem.kind === 'unreadable' && problem.code === 'ENOENT')
      return { values: {}, issues: [], overLimit: false };
    const issue =
      problem.kind === 'unreadable'
        ? {
            file,
            line: 0,
            col: 0,
            path: '',
            severity: 'error' as const,
            message: `cannot be read (${problem.code}); fix its permissions or remove it`,
          }
        : inputIssue(file, problem, 'a .env file', RAISE_LIMIT);
    return { values: {}, issues: [issue], overLimit: problem.kind === 'too-large' };
  }
  const { values, problems } = parseDotenv(read.text);
  const issues = problems.map((p): SpecIssue => ({
    file,
    line: p.line,
    col: 1,
    path: '',
    severity: 'error',
    message: `line ${p.line} ${p.message}`,
  }));
  return { values, issues, overLimit: false };
}
