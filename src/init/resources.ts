import { resolve } from 'node:path';
import type { Conversion } from './context.js';
import { isObj, type Obj, type VolumeReport } from './model.js';
import { relativePath } from './names.js';

const VOLUME_KEYS = new Set(['external', 'driver', 'labels']);
const NETWORK_KEYS = new Set(['external', 'driver', 'labels']);

/** An `external:` flag in either form: `true`, or the legacy `{name: x}`. */
function externalOf(decl: Obj): { external: boolean; name?: string } {
  const ext = decl.external;
  if (isObj(ext)) return { external: true, ...(typeof ext.name === 'string' ? { name: ext.name } : {}) };
  return { external: ext === true || ext === 'true' };
}

/**
 * Compose's top-level `volumes:` → infra.volumes, keyed by the name the engine has them under
 * (`<compose project>_<key>`, or `name:`), so the converted spec mounts the very volumes
 * `docker compose up` filled. A volume the engine already has is made external: deployctl then
 * uses it and never creates it. Without an engine that cannot be known, and the note says so.
 */
export function convertVolumes(decls: unknown, conv: Conversion): VolumeReport[] {
  const reports: VolumeReport[] = [];
  for (const [key, raw] of Object.entries(isObj(decls) ? decls : {})) {
    const decl = isObj(raw) ? raw : {};
    const ext = externalOf(decl);
    const explicit = typeof decl.name === 'string' ? conv.value(decl.name) : ext.name;
    const name = explicit ?? (ext.external ? key : `${conv.composeProject}_${key}`);
    conv.volumeNames.set(key, name);
    conv.taken.add(name);
    const out: Obj = {};
    const path = ['infra', 'volumes', name];
    const existing = conv.input.existingVolumes;
    const exists = existing ? existing.has(name) : null;
    if (ext.external) {
      out.external = true;
    } else if (exists === true) {
      out.external = true;
      conv.note(
        'attention',
        path,
        'already exists on the engine (made by docker compose?): made external, so deployctl uses its data as-is and never creates it',
      );
    } else if (exists === false) {
      conv.note('translated', path, 'not on the engine yet: apply creates it; it is never removed');
    } else {
      conv.note(
        'attention',
        path,
        'engine not checked: if this volume already holds data (docker compose up made it), set external: true',
      );
    }
    copyOptions(decl, out, { keys: VOLUME_KEYS, what: 'volume' }, path, conv);
    if (key !== name) conv.note('translated', path, `Compose volume "${key}", named as the engine knows it`);
    conv.volumes[name] = out;
    reports.push({ compose: key, name, external: out.external === true, exists });
  }
  return reports;
}

/** Compose's top-level `networks:` → infra.networks, named `<project>_<key>` as Compose does. */
export function convertNetworks(decls: unknown, conv: Conversion): void {
  for (const [key, raw] of Object.entries(isObj(decls) ? decls : {})) {
    const decl = isObj(raw) ? raw : {};
    const ext = externalOf(decl);
    const explicit = typeof decl.name === 'string' ? conv.value(decl.name) : ext.name;
    const name = explicit ?? (ext.external ? key : `${conv.project}_${key}`);
    conv.networkNames.set(key, name);
    const out: Obj = ext.external ? { external: true } : {};
    const path = ['infra', 'networks', name];
    copyOptions(decl, out, { keys: NETWORK_KEYS, what: 'network' }, path, conv);
    if (key !== name) conv.note('translated', path, `Compose network "${key}"`);
    conv.networks[name] = out;
  }
}

/** The network every service without `networks:` joins, as Compose's `default` network. */
export function defaultNetwork(conv: Conversion): string {
  const known = conv.networkNames.get('default');
  if (known !== undefined) return known;
  const name = `${conv.project}_default`;
  conv.networkNames.set('default', name);
  conv.networks[name] = {};
  conv.note(
    'translated',
    ['infra', 'networks', name],
    "Compose's default network: services without networks: join it, so they reach each other by name",
  );
  return name;
}

/**
 * Top-level `secrets:` and `configs:` with `file:` carry over (the path rebased onto the spec's
 * directory). Secrets from the environment, external ones and inline `content:` have no
 * deployctl form: they are dropped, and so are the services' references to them.
 */
export function convertFileDecls(kind: 'secrets' | 'configs', decls: unknown, conv: Conversion): void {
  const target = kind === 'secrets' ? conv.secrets : conv.configs;
  for (const [name, raw] of Object.entries(isObj(decls) ? decls : {})) {
    const decl = isObj(raw) ? raw : {};
    if (typeof decl.file === 'string') {
      const abs = resolve(conv.input.composeDir, conv.value(decl.file));
      target[name] = { file: relativePath(conv.input.outDir, abs) };
      if (kind === 'configs') conv.configKeys.set(abs, name);
      conv.taken.add(name);
      continue;
    }
    conv.droppedFiles[kind].add(name);
    const form = Object.keys(decl).join(', ') || 'no file';
    conv.note(
      'attention',
      [kind],
      `${kind}.${name} (${form}) dropped: deployctl mounts only file-based ${kind}; write it to a file and declare ${name}: { file: ./path }`,
    );
  }
}

/**
 * The options of a volume or network declaration that infra takes, copied as they are; any
 * other (a driver option, `internal`, …) needs attention: it is dropped, and the resource has
 * to be made by hand and marked external. `name` and `external` are handled by the caller.
 */
function copyOptions(
  decl: Obj,
  out: Obj,
  kind: { keys: ReadonlySet<string>; what: 'volume' | 'network' },
  path: string[],
  conv: Conversion,
): void {
  for (const [k, v] of Object.entries(decl)) {
    if (k === 'name' || k === 'external') continue;
    if (kind.keys.has(k)) out[k] = v;
    else
      conv.note(
        'attention',
        path,
        `${k} dropped: not supported on infra.${kind.what}s; create the ${kind.what} by hand and mark it external`,
      );
  }
}
