import { sha256 } from '../spec/config-hash.js';
import type { Spec } from '../spec/model.js';
import { projectOf, roleOf } from './live.js';
import type { ObservedState } from './observed.js';

/**
 * A stable hash of the parts of the live state a plan depends on, so applying a saved plan can
 * refuse when the world moved (the proxy's routes included). Left out on purpose: health (it
 * flaps while nothing changes), creation times and the lock container (apply holds it while it
 * re-observes). Volumes and networks count only when the spec names them or this project
 * labelled them: the engine lists every project's, and another project's deploy between `plan
 * --out` and `apply` must not make this plan stale.
 */
export function stateFingerprint(observed: ObservedState, spec: Pick<Spec, 'project' | 'infra'>): string {
  const containers = observed.containers
    .filter((c) => roleOf(c) !== 'lock')
    .map((c) => [c.id, c.name, c.state, c.imageId, JSON.stringify(sortedEntries(c.labels))].join('|'))
    .sort();
  const named = new Set([...spec.infra.volumes, ...spec.infra.networks].map((x) => x.name));
  const ours = (x: { name: string; labels: Record<string, string> }): boolean =>
    named.has(x.name) || projectOf(x) === spec.project;
  const volumes = observed.volumes
    .filter(ours)
    .map((v) => v.name)
    .sort();
  const networks = observed.networks
    .filter(ours)
    .map((n) => n.name)
    .sort();
  const images = observed.images.map((i) => `${i.id}|${[...i.repoTags].sort().join(',')}`).sort();
  const dirs = sortedEntries(observed.dirs).map(([k, v]) => `${k}=${String(v)}`);
  // The proxy's routes only where it has some to compare: every other fingerprint stays as it was.
  const routes =
    observed.proxyRoutes === undefined
      ? {}
      : { routes: observed.proxyRoutes === null ? null : sha256(observed.proxyRoutes) };
  return sha256(JSON.stringify({ containers, volumes, networks, images, dirs, ...routes }));
}

function sortedEntries<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
