import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDotenv } from './dotenv.js';
import type { RawService } from './raw.js';

export interface EnvFileEntry {
  key: string;
  value: string;
}

export interface EnvFileProblem {
  /** Index under `env_file:` (0 for the string form). */
  index: number;
  message: string;
}

/** Reads a file's text, or the error code that kept it from being read (injected by tests). */
export type ReadTextSync = (path: string) => string | { code: string };

export function readTextSync(path: string): string | { code: string } {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
}

/**
 * Compose `env_file:`: a path, a list of paths, or `{path, required}` entries, relative to the
 * spec file, in Compose's .env format, later files overriding earlier ones (and
 * `environment:` overriding them all, in the caller). Values are taken as written: the file's
 * content, not its name, is what reaches the container and the config hash.
 */
export function readEnvFiles(
  raw: RawService['env_file'],
  dir: string,
  read: ReadTextSync,
): { entries: EnvFileEntry[]; problems: EnvFileProblem[] } {
  const values = new Map<string, string>();
  const problems: EnvFileProblem[] = [];
  const list = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  list.forEach((item, index) => {
    const { path, required } = typeof item === 'string' ? { path: item, required: true } : item;
    const text = read(resolve(dir, path));
    if (typeof text !== 'string') {
      if (text.code === 'ENOENT' && required === false) return;
      const why =
        text.code === 'ENOENT'
          ? `names ${path}, which does not exist (relative to the spec file); create it, or mark it {path: ${path}, required: false}`
          : `names ${path}, which cannot be read (${text.code}); fix its permissions`;
      problems.push({ index, message: why });
      return;
    }
    const parsed = parseDotenv(text);
    for (const p of parsed.problems)
      problems.push({ index, message: `${path}: line ${p.line} ${p.message}` });
    for (const [key, value] of Object.entries(parsed.values)) values.set(key, value);
  });
  return { entries: [...values].map(([key, value]) => ({ key, value })), problems };
}
