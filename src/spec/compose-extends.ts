import { dirname, isAbsolute, resolve } from 'node:path';
import type { ReadTextSync } from './env-file.js';
import { interpolate, type Lookup } from './interpolate.js';
import type { IssueList } from './issues.js';
import type { SpecPath } from './locate.js';
import { parseYaml } from './yaml-source.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sequences Compose concatenates (without repeats) when a service extends another. */
const CONCAT = new Set([
  'ports',
  'expose',
  'dns',
  'tmpfs',
  'cap_add',
  'cap_drop',
  'security_opt',
  'extra_hosts',
  'group_add',
  'env_file',
  'volumes',
  'devices',
  'networks',
  'depends_on',
]);
/** Sequences Compose merges by the path inside the container: an entry of the service replaces the base's at the same path. */
const BY_TARGET = new Set(['volumes', 'devices']);
/** Keys with a `KEY=value` list form, merged key by key as maps. */
const KEYED_LISTS = new Set(['environment', 'labels', 'sysctls']);

interface Found {
  service: Obj;
  /** Where it was found: its section path in the spec, or the other file. */
  where: { file?: string; path: SpecPath };
}

export interface ExtendsContext {
  /** Directory of the spec file: the base of `extends.file`. */
  dir: string;
  lookup: Lookup;
  issues: IssueList;
  readText: ReadTextSync;
}

/**
 * Compose `extends:` (`extends: base`, `{service: base}` or `{service, file}`): each extending
 * service becomes the base service merged with its own keys, as Compose merges them: maps key by
 * key (`environment`, `labels`, `sysctls` also in list form), `volumes` and `devices` by the path
 * inside the container (the service's entry wins), the other sequences Compose concatenates
 * (`ports`, `cap_add`, …) appended without repeats, everything else overridden.
 * Chains resolve; cycles and missing bases are errors. A base in another file is looked up under
 * its `services:` (a Compose file) or `infra.services` / `apps.services` (a spec), interpolated
 * with the same variables; its relative `env_file` paths stay relative to that file.
 */
export function resolveExtends(data: unknown, ctx: ExtendsContext): void {
  if (!isObj(data)) return;
  const files = new Map<string, Obj | undefined>();
  const done = new Set<Obj>();
  for (const section of ['infra', 'apps'] as const) {
    const services = isObj(data[section]) ? data[section].services : undefined;
    if (!isObj(services)) continue;
    for (const name of Object.keys(services)) {
      const path: SpecPath = [section, 'services', name];
      const resolved = resolveOne(
        services[name],
        path,
        { file: undefined, root: data },
        [`#${name}`],
        ctx,
        files,
        done,
      );
      if (resolved) services[name] = resolved;
    }
  }
}

function resolveOne(
  service: unknown,
  path: SpecPath,
  origin: { file: string | undefined; root: Obj },
  chain: string[],
  ctx: ExtendsContext,
  files: Map<string, Obj | undefined>,
  done: Set<Obj>,
): Obj | undefined {
  if (!isObj(service) || service.extends === undefined || done.has(service)) return undefined;
  const ext = service.extends;
  const spec =
    typeof ext === 'string'
      ? { service: ext, file: undefined }
      : isObj(ext) && typeof ext.service === 'string'
        ? { service: ext.service, file: typeof ext.file === 'string' ? ext.file : undefined }
        : undefined;
  const report = (message: string): undefined => {
    ctx.issues.error([...path, 'extends'], origin.file ? `(via ${origin.file}) ${message}` : message);
    return undefined;
  };
  if (!spec || (isObj(ext) && Object.keys(ext).some((k) => k !== 'service' && k !== 'file'))) {
    return report('must be a service name, or {service: NAME, file: PATH}');
  }
  const key = `${spec.file ?? origin.file ?? ''}#${spec.service}`;
  if (chain.includes(key)) {
    return report(
      `forms a cycle: ${[...chain, key].map((k) => k.replace(/^#/, '')).join(' -> ')}; remove one extends`,
    );
  }

  let root = origin.root;
  let file = origin.file;
  if (spec.file !== undefined) {
    file = isAbsolute(spec.file)
      ? spec.file
      : resolve(origin.file ? dirname(origin.file) : ctx.dir, spec.file);
    if (!files.has(file)) files.set(file, readOther(file, ctx));
    const other = files.get(file);
    if (!other)
      return report(`names file ${spec.file}, which cannot be read as YAML (relative to the spec file)`);
    root = other;
  }
  const found = findService(root, spec.service);
  if (!found) {
    return report(
      `names service "${spec.service}", which is not ${spec.file ? `in ${spec.file}` : 'in this spec'} (looked under services, infra.services and apps.services)`,
    );
  }
  const base =
    resolveOne(found.service, found.where.path, { file, root }, [...chain, key], ctx, files, done) ??
    (found.service.extends === undefined ? found.service : undefined);
  if (!base) return undefined;
  const own = { ...service };
  delete own.extends;
  const inherited = spec.file !== undefined ? rebase(base, dirname(file ?? ctx.dir)) : base;
  const merged = merge(inherited, own);
  done.add(merged);
  return merged;
}

function findService(root: Obj, name: string): Found | undefined {
  for (const path of [['services'], ['infra', 'services'], ['apps', 'services']]) {
    let node: unknown = root;
    for (const p of path) node = isObj(node) ? node[p] : undefined;
    if (isObj(node) && isObj(node[name])) return { service: node[name], where: { path: [...path, name] } };
  }
  return undefined;
}

function readOther(file: string, ctx: ExtendsContext): Obj | undefined {
  const text = ctx.readText(file);
  if (typeof text !== 'string') return undefined;
  const { source, problems } = parseYaml(text);
  if (problems.some((p) => p.fatal)) return undefined;
  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 1000 });
  } catch {
    return undefined;
  }
  return isObj(data) ? (interpolateAll(data, ctx.lookup) as Obj) : undefined;
}

function interpolateAll(value: unknown, lookup: Lookup): unknown {
  if (typeof value === 'string') return interpolate(value, lookup).value;
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, lookup));
  if (isObj(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, lookup)]));
  return value;
}

/** A base from another file keeps its relative env_file paths relative to that file. */
function rebase(base: Obj, dir: string): Obj {
  const envFile = base.env_file;
  if (envFile === undefined) return base;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const list = typeof envFile === 'string' ? [envFile] : Array.isArray(envFile) ? envFile : [];
  return {
    ...base,
    env_file: list.map((e: unknown) =>
      typeof e === 'string'
        ? abs(e)
        : isObj(e) && typeof e.path === 'string'
          ? { ...e, path: abs(e.path) }
          : e,
    ),
  };
}

function merge(base: Obj, own: Obj): Obj {
  const out: Obj = { ...base };
  for (const [key, value] of Object.entries(own)) out[key] = mergeKey(key, base[key], value);
  return out;
}

function mergeKey(key: string, base: unknown, own: unknown): unknown {
  if (base === undefined) return own;
  if (KEYED_LISTS.has(key)) {
    const b = asMap(base);
    const o = asMap(own);
    if (b && o) return { ...b, ...o };
    return own;
  }
  if (CONCAT.has(key)) {
    const b = typeof base === 'string' ? [base] : base;
    const o = typeof own === 'string' ? [own] : own;
    if (BY_TARGET.has(key) && Array.isArray(b) && Array.isArray(o)) {
      const replaced = new Set(o.map(targetOf).filter((t) => t !== undefined));
      const kept = (b as unknown[]).filter((v) => {
        const t = targetOf(v);
        return t === undefined || !replaced.has(t);
      });
      return [...kept, ...(o as unknown[])];
    }
    if (Array.isArray(b) && Array.isArray(o)) {
      const seen = new Set<string>();
      return [...(b as unknown[]), ...(o as unknown[])].filter((v) => {
        const k = JSON.stringify(v);
        return seen.has(k) ? false : (seen.add(k), true);
      });
    }
    if (isObj(b) && isObj(o)) return { ...b, ...o };
    return own;
  }
  if (isObj(base) && isObj(own)) return merge(base, own);
  return own;
}

/** `KEY=value` lists as maps (`KEY` alone keeps a null value, as Compose does). */
function asMap(value: unknown): Obj | undefined {
  if (isObj(value)) return value;
  if (!Array.isArray(value)) return undefined;
  const out: Obj = {};
  for (const item of value) {
    if (typeof item !== 'string') return undefined;
    const eq = item.indexOf('=');
    if (eq < 0) out[item] = null;
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/**
 * The path inside the container of a `volumes:` or `devices:` entry: `SOURCE:TARGET[:MODE]`,
 * a lone `/path` (an anonymous volume, or a device at the same path), or `{target}`.
 */
function targetOf(entry: unknown): string | undefined {
  if (isObj(entry)) return typeof entry.target === 'string' ? entry.target : undefined;
  if (typeof entry !== 'string') return undefined;
  const parts = entry.split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}
