import { isAbsolute, resolve } from 'node:path';
import type { Conversion } from './context.js';
import { isObj, type Obj, type OutPath, type Role } from './model.js';
import { deployResources, dedupeLimits } from './deploy-limits.js';
import { convertMounts } from './mounts.js';
import { expandPortRanges } from './port-ranges.js';
import { relativePath } from './names.js';
import { defaultNetwork } from './resources.js';
import { CARRIED, NESTED_DROPPED, droppedReason } from './service-keys.js';

/** Keys dropped without needing a decision: deployctl already does what they ask for. */
const HARMLESS = new Set(['links', 'scale', 'container_name']);

export interface ServiceContext {
  name: string;
  role: Role;
  /** Role of every service in the file, to drop what deployctl forbids (infra → app). */
  roles: ReadonlyMap<string, Role>;
  conv: Conversion;
}

/** One Compose service → a deployctl service block, every change noted at its path. */
export function convertService(raw: Obj, ctx: ServiceContext): Obj {
  const { name, role, conv } = ctx;
  const at: OutPath = [role === 'infra' ? 'infra' : 'apps', 'services', name];
  const out: Obj = {};
  if (role === 'infra') out.container_name = raw.container_name ?? `${conv.project}_${name}`;
  const fileConfigs: Obj[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const path = [...at, key];
    if (key.startsWith('x-') || CARRIED.has(key)) out[key] = value;
    else if (key === 'volumes') {
      const mounts = convertMounts(value, path, conv);
      if (mounts.volumes.length > 0) out.volumes = mounts.volumes;
      fileConfigs.push(...mounts.configs);
    } else if (key === 'networks') out.networks = networks(value, path, conv);
    else if (key === 'depends_on') {
      const deps = dependsOn(value, path, ctx);
      if (deps !== undefined) out.depends_on = deps;
    } else if (key === 'deploy') {
      const deploy = deployResources(value, at, conv);
      if (deploy !== undefined) out.deploy = deploy;
    } else if (key === 'secrets' || key === 'configs') {
      const kept = fileRefs(key, value, at, conv);
      if (kept.length > 0) out[key] = kept;
    } else if (key === 'env_file') out.env_file = rebaseEnvFiles(value, conv);
    else if (key === 'extends') out.extends = rebaseExtends(value, conv);
    // docker compose build tags an image without image: as <project>-<service>.
    else if (key === 'build') out.image ??= raw.image ?? `${conv.composeProject}-${name}`;
    else if (!HARMLESS.has(key)) conv.note('attention', at, `${key}: dropped: ${droppedReason(key)}`);
    else if (key === 'links')
      conv.note('dropped', at, 'links: services on a shared network already reach each other by name');
    else if (key === 'scale') conv.note('dropped', at, 'scale: deployctl runs one container per service');
  }
  for (const [key, dropped] of Object.entries(NESTED_DROPPED)) stripNested(out, key, dropped, at, conv);
  if (out.pull_policy === 'build') {
    delete out.pull_policy;
    conv.note('dropped', at, 'pull_policy: build: deployctl does not build; the image must exist');
  }
  dedupeLimits(out, at, conv);
  if (Array.isArray(out.ports)) out.ports = expandPortRanges(out.ports, [...at, 'ports'], conv);
  if (fileConfigs.length > 0)
    out.configs = [...(Array.isArray(out.configs) ? (out.configs as unknown[]) : []), ...fileConfigs];
  // Compose puts a service without networks: on the default network; one that extends another
  // inherits the base's networks instead.
  if (out.networks === undefined && out.extends === undefined) out.networks = [defaultNetwork(conv)];
  return out;
}

function networks(value: unknown, path: OutPath, conv: Conversion): unknown {
  const rename = (n: string): string =>
    conv.networkNames.get(n) ?? (n === 'default' ? defaultNetwork(conv) : n);
  if (Array.isArray(value)) return (value as unknown[]).map((n) => (typeof n === 'string' ? rename(n) : n));
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [n, opts] of Object.entries(value)) {
    out[rename(n)] = {};
    if (isObj(opts) && Object.keys(opts).length > 0)
      conv.note(
        'dropped',
        [...path, rename(n)],
        `${Object.keys(opts).join(', ')}: the service name is its alias on each network`,
      );
  }
  return out;
}

function dependsOn(value: unknown, path: OutPath, ctx: ServiceContext): unknown {
  const forbidden = (dep: string): boolean => ctx.role === 'infra' && ctx.roles.get(dep) === 'app';
  const dropNote = (dep: string): void =>
    ctx.conv.note(
      'attention',
      path.slice(0, -1),
      `depends_on ${dep} dropped: infra starts before apps and outlives them, so it cannot wait for app ${dep}; make sure it starts without it`,
    );
  if (Array.isArray(value)) {
    const kept = value.filter((d) => typeof d !== 'string' || !forbidden(d) || (dropNote(d), false));
    return kept.length > 0 ? kept : undefined;
  }
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [dep, opts] of Object.entries(value)) {
    if (forbidden(dep)) {
      dropNote(dep);
      continue;
    }
    const cond = isObj(opts) ? opts.condition : undefined;
    if (cond === 'service_completed_successfully') {
      ctx.conv.note(
        'attention',
        path.slice(0, -1),
        `depends_on ${dep} (service_completed_successfully) dropped: deployctl waits for dependencies that keep running; run the one-off job ${dep} as a step before apply`,
      );
      continue;
    } else out[dep] = isObj(opts) ? { ...opts } : opts;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function fileRefs(kind: 'secrets' | 'configs', value: unknown, at: OutPath, conv: Conversion): unknown[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((ref: unknown) => {
      if (!isObj(ref)) return ref;
      const { source, target } = ref;
      const extra = Object.keys(ref).filter((k) => k !== 'source' && k !== 'target');
      if (extra.length > 0)
        conv.note(
          'dropped',
          [...at, kind],
          `${extra.join(', ')}: deployctl mounts the file read-only as it is`,
        );
      return target === undefined ? { source } : { source, target };
    })
    .filter((ref) => {
      const source = isObj(ref) ? ref.source : ref;
      return !(typeof source === 'string' && conv.droppedFiles[kind].has(source));
    });
}

function rebase(path: string, conv: Conversion): string {
  if (isAbsolute(path) || path.includes('$')) return path;
  return relativePath(conv.input.outDir, resolve(conv.input.composeDir, path));
}

function rebaseEnvFiles(value: unknown, conv: Conversion): unknown {
  const one = (e: unknown): unknown =>
    typeof e === 'string'
      ? rebase(e, conv)
      : isObj(e) && typeof e.path === 'string'
        ? { ...e, path: rebase(e.path, conv) }
        : e;
  return Array.isArray(value) ? value.map(one) : one(value);
}

function rebaseExtends(value: unknown, conv: Conversion): unknown {
  return isObj(value) && typeof value.file === 'string'
    ? { ...value, file: rebase(value.file, conv) }
    : value;
}

/** Drops the sub-keys deployctl does not take from a block's entries (`ports[].mode`, …). */
function stripNested(out: Obj, key: string, dropped: Set<string>, at: OutPath, conv: Conversion): void {
  const strip = (entry: unknown): unknown => {
    if (!isObj(entry)) return entry;
    const gone = Object.keys(entry).filter((k) => dropped.has(k));
    if (gone.length === 0) return entry;
    conv.note('dropped', [...at, key], `${key}: ${gone.join(', ')} not supported`);
    return Object.fromEntries(Object.entries(entry).filter(([k]) => !dropped.has(k)));
  };
  const value = out[key];
  if (Array.isArray(value)) out[key] = value.map(strip);
  else if (key === 'healthcheck') out[key] = strip(value);
  else if (isObj(value) && key !== 'networks')
    out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)]));
}
