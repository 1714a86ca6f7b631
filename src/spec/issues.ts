import type { SpecIssue } from '../errors.js';
import type { Locator, SpecPath } from './locate.js';

export type Where = 'value' | 'key' | { path: SpecPath; at?: 'value' | 'key' };

/**
 * Collects located problems. Paths print as `apps.services.api.ports[0]`; keys that are not
 * plain words print quoted, e.g. `labels["traefik.http.routers.api.rule"]`.
 */
export class IssueList {
  readonly errors: SpecIssue[] = [];
  readonly warnings: SpecIssue[] = [];

  constructor(
    readonly file: string,
    private readonly locator: Locator,
  ) {}

  /**
   * An error about the node at `path`, pointing at its value, at its key (`'key'`), or at
   * another node (an unknown key is reported on its parent's path but points at the key).
   */
  error(path: SpecPath, message: string, where: Where = 'value'): void {
    this.errors.push(this.make(path, message, where, 'error'));
  }

  warning(path: SpecPath, message: string, where: Where = 'value'): void {
    this.warnings.push(this.make(path, message, where, 'warning'));
  }

  /** A problem that belongs to no node (the deploy id, a command-line option). */
  fileError(message: string): void {
    this.errors.push({ file: this.file, line: 0, col: 0, path: '', severity: 'error', message });
  }

  /** The line that stands for `count` problems left out of the list. */
  unlisted(count: number, message: string): void {
    this.errors.push({
      file: this.file,
      line: 0,
      col: 0,
      path: '',
      severity: 'error',
      message,
      unlisted: count,
    });
  }

  private make(path: SpecPath, message: string, where: Where, severity: 'error' | 'warning'): SpecIssue {
    const { line, col } =
      typeof where === 'string'
        ? this.locator.position(path, where)
        : this.locator.position(where.path, where.at ?? 'value');
    return { file: this.file, line, col, path: formatPath(path), severity, message };
  }
}

export function formatPath(path: SpecPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Issues as returned to callers: duplicates dropped, in reading order (the .env before the
 * spec, then by line and column), secret values masked in every message.
 */
export function finalIssues(issues: SpecIssue[], mask: (text: string) => string): SpecIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const id = `${i.file}:${i.line}:${i.col}:${i.path}:${i.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : a.file.endsWith('.env') ? -1 : 1))
    .map((i) => ({ ...i, message: mask(i.message) }));
}
