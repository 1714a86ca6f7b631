import type { Mount } from './model.js';
import type { RawMount } from './raw.js';

export interface MountContext {
  /** infra.volumes keys. */
  volumes: ReadonlySet<string>;
  /** infra.dirs keys → absolute host path. */
  dirs: ReadonlyMap<string, string>;
}

/**
 * One Compose `volumes:` entry → Mount. A bare name is an infra.volumes or infra.dirs key, an
 * absolute path a bind mount, a lone container path an anonymous volume. Relative host paths
 * are refused: they would depend on where deployctl runs, so they must be declared under
 * infra.dirs (relative to the spec file, created if missing, never removed).
 * Returns a message (a predicate of the entry's path) when the entry is not valid.
 */
export function parseMount(raw: RawMount, ctx: MountContext): Mount | string {
  if (typeof raw === 'string') {
    const parts = raw.split(':');
    if (parts.length === 1) return anonymous(raw);
    const [source = '', target = '', mode] = parts;
    return resolve(source, target, mode === 'ro', ctx, undefined);
  }
  if (raw.source === undefined) {
    return raw.type === 'bind'
      ? 'is a bind mount without source; add the host path or an infra.dirs key'
      : anonymous(raw.target);
  }
  return resolve(raw.source, raw.target, raw.read_only ?? false, ctx, raw.type);
}

function anonymous(target: string): Mount | string {
  return target.startsWith('/') ? { type: 'anonymous', target } : targetMessage(target);
}

function resolve(
  source: string,
  target: string,
  readOnly: boolean,
  ctx: MountContext,
  type: 'volume' | 'bind' | undefined,
): Mount | string {
  if (!target.startsWith('/')) return targetMessage(target);
  if (source.startsWith('/')) {
    if (type === 'volume') return `has type volume but source "${source}" is a host path; use type: bind`;
    return { type: 'bind', source, target, readOnly };
  }
  if (source.startsWith('.') || source.startsWith('~')) {
    return `uses the relative host path "${source}", which would depend on where deployctl runs; declare the directory under infra.dirs (its path is relative to the spec file) and mount it by name`;
  }
  const dir = ctx.dirs.get(source);
  if (ctx.volumes.has(source)) {
    if (type === 'bind') return `has type bind but "${source}" is a named volume; use type: volume`;
    return { type: 'volume', name: source, target, readOnly };
  }
  if (dir !== undefined) {
    if (type === 'volume')
      return `has type volume but "${source}" is an infra.dirs entry (a host directory); use type: bind`;
    return { type: 'dir', dir: source, source: dir, target, readOnly };
  }
  return `refers to undefined volume "${source}"; declare it under infra.volumes (a named volume) or infra.dirs (a host directory)`;
}

function targetMessage(target: string): string {
  return `has the container path "${target}", which must be absolute (start with /)`;
}
