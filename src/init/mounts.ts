import { resolve } from 'node:path';
import type { Conversion } from './context.js';
import { isObj, type Obj, type OutPath } from './model.js';
import { keyForPath, relativePath, uniqueKey } from './names.js';

const LONG_FORM_DROPPED = new Set(['bind', 'volume', 'tmpfs', 'consistency']);

export interface ServiceMounts {
  volumes: unknown[];
  /** Relative binds of a single file, mounted as configs (read-only). */
  configs: Obj[];
  /** Whether a named volume is mounted writable: data lives in it, so the service is stateful. */
  holdsData: boolean;
}

const isBindSource = (s: string): boolean => /^(\.|\/|~)/.test(s);

/**
 * A service's `volumes:`: named volumes renamed to their engine name, relative bind mounts of
 * a directory made infra.dirs entries (relative to the spec), of a file made configs (the only
 * way deployctl mounts a single file from beside the spec), absolute ones kept.
 */
export function convertMounts(list: unknown, at: OutPath, conv: Conversion): ServiceMounts {
  const out: ServiceMounts = { volumes: [], configs: [], holdsData: false };
  if (!Array.isArray(list)) return out;
  list.forEach((entry, i) => {
    const path = [...at, out.volumes.length];
    if (typeof entry === 'string') {
      const parts = entry.split(':');
      if (parts.length < 2) return void out.volumes.push(entry);
      const [source = '', target = '', ...mode] = parts;
      const options = mode
        .join(':')
        .split(',')
        .filter((o) => o !== '');
      const readOnly = options.includes('ro');
      const other = options.filter((o) => o !== 'ro' && o !== 'rw');
      if (other.length > 0)
        conv.note('dropped', path, `mount options ${other.join(',')}: deployctl sets only ro/rw`);
      const mounted = mountSource(source, target, readOnly, path, conv, out);
      if (mounted !== undefined) out.volumes.push([mounted, target, ...(readOnly ? ['ro'] : [])].join(':'));
      return;
    }
    if (!isObj(entry)) return void out.volumes.push(entry);
    const long: Obj = {};
    for (const [k, v] of Object.entries(entry)) {
      if (LONG_FORM_DROPPED.has(k))
        conv.note('dropped', path, `volumes[${i}].${k}: options deployctl does not set`);
      else long[k] = v;
    }
    const source = typeof long.source === 'string' ? long.source : undefined;
    if (long.type !== 'bind' && long.type !== 'volume') {
      conv.note(
        'dropped',
        at,
        `volumes[${i}] of type ${String(long.type)}: deployctl mounts volumes and binds (use tmpfs: for a tmpfs)`,
      );
      return;
    }
    if (source === undefined) return void out.volumes.push(long);
    const target = typeof long.target === 'string' ? long.target : '';
    const mounted = mountSource(source, target, long.read_only === true, path, conv, out);
    if (mounted !== undefined) out.volumes.push({ ...long, source: mounted });
  });
  return out;
}

/** The source to write, or undefined when the mount became a config. */
function mountSource(
  source: string,
  target: string,
  readOnly: boolean,
  path: OutPath,
  conv: Conversion,
  out: ServiceMounts,
): string | undefined {
  if (!isBindSource(source)) {
    const name = conv.volumeNames.get(source) ?? declareImplicit(source, conv);
    if (!readOnly) out.holdsData = true;
    return name;
  }
  const value = conv.value(source);
  if (value.startsWith('/')) return source;
  const abs = value.startsWith('~')
    ? resolve(conv.input.home, value.replace(/^~\/?/, ''))
    : resolve(conv.input.composeDir, value);
  if (value.startsWith('~'))
    conv.note(
      'attention',
      path,
      `${source}: ~ expanded to this machine's home directory; check the path on the engine host`,
    );
  if (conv.input.isFile(abs)) {
    let key = conv.configKeys.get(abs);
    if (key === undefined) {
      key = uniqueKey(keyForPath(value), conv.taken);
      conv.configKeys.set(abs, key);
      conv.configs[key] = { file: relativePath(conv.input.outDir, abs) };
    }
    out.configs.push({ source: key, target });
    conv.note(
      readOnly ? 'translated' : 'attention',
      path.slice(0, -2),
      `${source} → ${target}: a single file is mounted as configs.${key}${readOnly ? '' : ', read-only now (deployctl mounts files read-only)'}`,
    );
    return undefined;
  }
  let key = conv.dirKeys.get(abs);
  if (key === undefined) {
    key = uniqueKey(keyForPath(value), conv.taken);
    conv.dirKeys.set(abs, key);
    conv.dirs[key] = { path: relativePath(conv.input.outDir, abs) };
    conv.note(
      'translated',
      ['infra', 'dirs', key],
      `from the bind mount ${source}; created if missing, never emptied`,
    );
  }
  conv.note('translated', path, `bind mount ${source} → infra.dirs.${key}`);
  return key;
}

/** A volume a service names without a top-level declaration (Compose creates it anyway). */
function declareImplicit(source: string, conv: Conversion): string {
  const name = `${conv.composeProject}_${source}`;
  conv.volumeNames.set(source, name);
  conv.taken.add(name);
  conv.volumes[name] = {};
  conv.note(
    'attention',
    ['infra', 'volumes', name],
    `volume "${source}" was not declared in the Compose file`,
  );
  return name;
}
