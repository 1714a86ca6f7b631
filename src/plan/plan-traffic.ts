import { caddyConfig, proxyContainer } from '../traffic/caddy-config.js';
import { routeTable } from '../traffic/caddy-routes.js';
import type { Action, FieldChange } from './actions.js';
import type { PlanContext } from './plan-context.js';

/**
 * With `proxy:`: whether apply loads new routes into the proxy, compared with the config the
 * proxy last loaded (read back from it). `routes_switch` when this plan starts the generation the
 * routes point to (apply switches once it is healthy); `routes_changed` when the generation is
 * already live and only the routes differ (routes or listen edited in the spec, a proxy with no
 * routes from deployctl). A proxy that could not be read is only a change when apply runs anyway,
 * since its traffic phase loads the routes whatever else it does. The drain periods are not in
 * the proxy: an edited drain applies at the next switch and is no action of its own.
 */
export function planTraffic(ctx: PlanContext): void {
  const { spec, deployId, observed } = ctx;
  const container = proxyContainer(spec);
  if (!spec.proxy || container === undefined) return;
  const wanted = caddyConfig(spec.project, spec.proxy, deployId);
  const live = observed.proxyRoutes;
  if (live === wanted) return;
  const changing = ctx.actions.some((a) => a.kind !== 'noop' && a.kind !== 'drift');
  if (live === undefined && !changing) return;
  const deploying = ctx.actions.some(
    (a) =>
      a.role === 'app' &&
      a.resource === 'container' &&
      a.deployId === deployId &&
      (a.kind === 'create' || a.kind === 'replace' || a.kind === 'start'),
  );
  const action: Action = {
    kind: 'route',
    resource: 'routes',
    role: 'infra',
    name: container,
    service: spec.proxy.service,
    deployId,
    reason: deploying ? 'routes_switch' : 'routes_changed',
    detail: deploying
      ? `will route to generation ${deployId} once it is healthy (caddy reload; the proxy is not restarted)`
      : live === null
        ? `holds no routes from deployctl: will load them for generation ${deployId} (caddy reload; the proxy is not restarted)`
        : live === undefined
          ? `could not be read: will load the routes for generation ${deployId} (caddy reload; the proxy is not restarted)`
          : `routes differ from the spec: will load them for generation ${deployId} (caddy reload; the proxy is not restarted)`,
    protected: false,
    phase: 'traffic',
    changes: routeChanges(live ?? undefined, wanted),
  };
  ctx.actions.push(action);
}

/** Listen address and per-host upstream, before → after; none when the live config is foreign. */
function routeChanges(live: string | undefined, wanted: string): FieldChange[] {
  const after = routeTable(wanted) ?? new Map<string, string>();
  const before = live === undefined ? new Map<string, string>() : routeTable(live);
  if (before === undefined) return [];
  const fields = [...new Set([...before.keys(), ...after.keys()])];
  return fields
    .filter((f) => before.get(f) !== after.get(f))
    .map((field) => {
      const change: FieldChange = { field, sensitive: false, forcesReplacement: false };
      const b = before.get(field);
      const a = after.get(field);
      if (b !== undefined) change.before = b;
      if (a !== undefined) change.after = a;
      return change;
    });
}
