import type { Conversion } from './context.js';
import { isObj, type Obj, type OutPath } from './model.js';

/** `deploy:` keeps only `resources` (Compose maps it onto the container outside Swarm). */
export function deployResources(value: unknown, at: OutPath, conv: Conversion): Obj | undefined {
  if (!isObj(value)) return undefined;
  const others = Object.keys(value).filter((k) => k !== 'resources');
  if (others.length > 0)
    conv.note(
      'dropped',
      at,
      `deploy.${others.join(', deploy.')}: Swarm settings; deployctl runs one container per service`,
    );
  if (!isObj(value.resources)) return undefined;
  const resources: Obj = {};
  for (const [k, v] of Object.entries(value.resources)) {
    if (!isObj(v)) continue;
    const { devices, ...rest } = v;
    if (devices !== undefined)
      conv.note(
        'attention',
        [...at, 'deploy'],
        `deploy.resources.${k}.devices dropped: device reservations (GPUs) are not supported; use devices:`,
      );
    if (Object.keys(rest).length > 0) resources[k] = rest;
  }
  return Object.keys(resources).length > 0 ? { resources } : undefined;
}

/** Limits set twice (a top-level key and deploy.resources): Compose refuses distinct values. */
const LIMIT_PAIRS: [string, 'limits' | 'reservations', string][] = [
  ['cpus', 'limits', 'cpus'],
  ['mem_limit', 'limits', 'memory'],
  ['pids_limit', 'limits', 'pids'],
  ['mem_reservation', 'reservations', 'memory'],
];

export function dedupeLimits(out: Obj, at: OutPath, conv: Conversion): void {
  const resources = isObj(out.deploy) && isObj(out.deploy.resources) ? out.deploy.resources : undefined;
  if (!resources) return;
  for (const [key, block, field] of LIMIT_PAIRS) {
    const section = resources[block];
    if (out[key] === undefined || !isObj(section) || section[field] === undefined) continue;
    delete out[key];
    conv.note(
      'attention',
      [...at, 'deploy'],
      `${key} dropped: deploy.resources.${block}.${field} sets the same limit (Compose refuses two different values); check which one you meant`,
    );
  }
}
