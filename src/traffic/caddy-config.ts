import { appContainerName, type ProxySpec, type Spec } from '../spec/model.js';

/**
 * Where deployctl keeps the routes inside the proxy container, and where Caddy's admin API is.
 * CADDY_CONFIG_FILE always holds the config the proxy last loaded successfully (a restarted
 * proxy loads it, and plan compares it with the spec); a new config is written to
 * CADDY_NEXT_FILE and loaded from there first, so one Caddy rejects never takes its place.
 */
export const CADDY_CONFIG_DIR = '/etc/caddy';
export const CADDY_CONFIG_FILE = 'deployctl.json';
export const CADDY_NEXT_FILE = 'deployctl.next.json';
export const CADDY_ADMIN = 'localhost:2019';

/**
 * The whole Caddy JSON config routing every route to generation `deployId`: one server on
 * `proxy.listen`, a host-matched route per `host:`, the default route last, 404 for any other
 * host when there is no default. Upstreams are dialled by container name on the shared network,
 * so each generation has its own upstreams and a switch is one atomic config load. A dial that
 * fails (a container just restarting) is retried for a few seconds before the client sees 502.
 * Pure: the same inputs give the same bytes, so a re-run loads nothing new.
 */
export function caddyConfig(project: string, proxy: ProxySpec, deployId: string): string {
  const handler = (service: string, port: number): unknown => ({
    handler: 'reverse_proxy',
    upstreams: [{ dial: `${appContainerName(project, service, deployId)}:${port}` }],
    load_balancing: { try_duration: '5s', try_interval: '250ms' },
  });
  const routes: unknown[] = proxy.routes.map((r) =>
    r.host === undefined
      ? { handle: [handler(r.service, r.port)], terminal: true }
      : { match: [{ host: [r.host] }], handle: [handler(r.service, r.port)], terminal: true },
  );
  if (!proxy.routes.some((r) => r.host === undefined)) {
    routes.push({
      handle: [{ handler: 'static_response', status_code: 404, body: 'no route for this host\n' }],
    });
  }
  const config = {
    admin: { listen: CADDY_ADMIN },
    apps: {
      http: {
        servers: {
          deployctl: {
            listen: [`:${proxy.listen}`],
            automatic_https: { disable: true },
            routes,
          },
        },
      },
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The proxy's fixed container name, when the spec has `proxy:`. */
export function proxyContainer(spec: Spec): string | undefined {
  if (!spec.proxy) return undefined;
  return spec.infra.services.find((s) => s.name === spec.proxy!.service)?.containerName;
}
