import { isAbsolute, relative } from 'node:path';

/** Compose's project name rule: lower case letters, digits, `_` and `-`, starting alphanumeric. */
export function projectName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[^a-z0-9]+/, '');
  return name === '' ? 'app' : name;
}

/** A name valid as an infra.dirs / configs key, made unique against `taken`. */
export function uniqueKey(wanted: string, taken: Set<string>): string {
  let base = wanted.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  if (base === '') base = 'dir';
  let key = base;
  for (let i = 2; taken.has(key); i++) key = `${base}_${i}`;
  taken.add(key);
  return key;
}

/** A key for a host path: `./data/pg` → `data_pg`, `.` → `project_dir`, `../x` → `up_x`. */
export function keyForPath(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  const named = parts.map((p) => (p === '..' ? 'up' : p)).join('_');
  return named === '' ? 'project_dir' : named;
}

/** `target` as a path relative to `fromDir`, written `./x` or `../x` so it reads as relative. */
export function relativePath(fromDir: string, target: string): string {
  const rel = relative(fromDir, target).split('\\').join('/');
  if (rel === '') return '.';
  if (isAbsolute(rel) || rel.startsWith('../')) return rel;
  return rel === '..' ? rel : `./${rel}`;
}
