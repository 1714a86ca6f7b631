import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpecIssue } from '../errors.js';
import { parseDotenv } from './dotenv.js';

/** The file's text, or the error code (ENOENT, EISDIR, EACCES …) that kept it from being read. */
export async function readText(path: string): Promise<string | { code: string }> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
}

/** The problem reported when the spec file itself cannot be read. */
export function unreadableSpec(file: string, code: string): SpecIssue {
  const message =
    code === 'ENOENT'
      ? 'does not exist; pass -f FILE, or create ./deployctl.yaml (examples/sancho/deployctl.yaml is a starting point)'
      : `cannot be read (${code}); check that it is a readable file, or pass -f FILE`;
  return { file, line: 0, col: 0, path: '', severity: 'error', message };
}

/**
 * The variables of the optional `.env` in the spec's directory, with its problems located by
 * line. `shown` turns an absolute path into the form used in messages.
 */
export async function readDotenvBeside(
  dir: string,
  shown: (path: string) => string,
): Promise<{ values: Record<string, string>; issues: SpecIssue[] }> {
  const path = join(dir, '.env');
  const file = shown(path);
  const text = await readText(path);
  if (typeof text !== 'string') {
    if (text.code === 'ENOENT') return { values: {}, issues: [] };
    const message = `cannot be read (${text.code}); fix its permissions or remove it`;
    return { values: {}, issues: [{ file, line: 0, col: 0, path: '', severity: 'error', message }] };
  }
  const { values, problems } = parseDotenv(text);
  const issues = problems.map((p): SpecIssue => ({
    file,
    line: p.line,
    col: 1,
    path: '',
    severity: 'error',
    message: `line ${p.line} ${p.message}`,
  }));
  return { values, issues };
}
