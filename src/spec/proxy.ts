import { parseDuration } from './duration.js';
import type { IssueList } from './issues.js';
import type { ProxySpec, ServiceSpec } from './model.js';
import type { RawProxy } from './raw.js';
import { didYouMean } from './suggest.js';

export const DEFAULT_PROXY_LISTEN = 80;
export const DEFAULT_DRAIN_MS = 5_000;

type Svc = Omit<ServiceSpec, 'configHash'>;

/**
 * `proxy:` → ProxySpec, checking what the schema cannot: the proxy is an infra service, every
 * route targets an app service sharing a network with it, hosts are unique and the default
 * route (no host) comes last.
 */
export function normalizeProxy(
  raw: RawProxy | undefined,
  infra: Svc[],
  apps: Svc[],
  issues: IssueList,
): ProxySpec | undefined {
  if (raw === undefined) return undefined;
  const proxy = infra.find((s) => s.name === raw.service);
  if (!proxy) {
    const isApp = apps.some((s) => s.name === raw.service);
    issues.error(
      ['proxy', 'service'],
      isApp
        ? `names app service "${raw.service}"; the proxy must be an infra service (protected: a deploy never recreates or restarts it)`
        : `refers to undefined infra service "${raw.service}"${didYouMean(
            raw.service,
            infra.map((s) => s.name),
          )}; name the infra service that runs Caddy`,
    );
  }
  const drainDefault =
    raw.drain === undefined ? DEFAULT_DRAIN_MS : (parseDuration(raw.drain) ?? DEFAULT_DRAIN_MS);
  const drainMs: Record<string, number> = {};
  const hosts = new Set<string>();
  raw.routes.forEach((route, i) => {
    const at = ['proxy', 'routes', i] as const;
    const app = apps.find((s) => s.name === route.service);
    if (!app) {
      const isInfra = infra.some((s) => s.name === route.service);
      issues.error(
        [...at, 'service'],
        isInfra
          ? `names infra service "${route.service}"; routes go to app services, whose generations deployctl switches`
          : `refers to undefined app service "${route.service}"${didYouMean(
              route.service,
              apps.map((s) => s.name),
            )}; name a key of apps.services`,
      );
    } else if (proxy && !app.networks.some((n) => proxy.networks.includes(n))) {
      issues.error(
        [...at, 'service'],
        `names app service "${route.service}", which shares no network with the proxy service ${proxy.name}; ` +
          `the proxy reaches each generation by container name on a shared network: add one network to both`,
      );
    }
    if (route.host === undefined) {
      if (i !== raw.routes.length - 1) {
        issues.error(
          [...at],
          'has no host, so it is the default route and must be the last one (routes are checked in order)',
        );
      }
    } else {
      const host = route.host.toLowerCase();
      if (hosts.has(host))
        issues.error([...at, 'host'], `"${route.host}" is already routed by an earlier route`);
      hosts.add(host);
    }
    const drain = route.drain === undefined ? drainDefault : (parseDuration(route.drain) ?? drainDefault);
    drainMs[route.service] = Math.max(drainMs[route.service] ?? 0, drain);
  });
  return {
    service: raw.service,
    listen: raw.listen ?? DEFAULT_PROXY_LISTEN,
    routes: raw.routes.map((r) => ({
      ...(r.host === undefined ? {} : { host: r.host.toLowerCase() }),
      service: r.service,
      port: r.port,
    })),
    drainMs,
  };
}
