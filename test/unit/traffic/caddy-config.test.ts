import { describe, expect, it } from 'vitest';
import type { ProxySpec } from '../../../src/spec/model.js';
import { caddyConfig } from '../../../src/traffic/caddy-config.js';

const proxy = (routes: ProxySpec['routes'], listen = 80): ProxySpec => ({
  service: 'proxy',
  listen,
  routes,
  drainMs: {},
});

interface Route {
  match?: { host: string[] }[];
  handle: { handler: string; upstreams?: { dial: string }[]; status_code?: number }[];
  terminal?: boolean;
}
interface Config {
  admin: { listen: string };
  apps: { http: { servers: Record<string, { listen: string[]; routes: Route[] }> } };
}
const parse = (text: string): Config => JSON.parse(text) as Config;
const serverOf = (c: Config): { listen: string[]; routes: Route[] } => c.apps.http.servers['deployctl']!;

describe('caddyConfig', () => {
  it('GIVEN host routes and a default WHEN generating THEN each host dials its service of that generation, the default last', () => {
    const c = parse(
      caddyConfig(
        'shop',
        proxy(
          [
            { host: 'api.shop.localhost', service: 'backend', port: 8000 },
            { service: 'frontend', port: 3000 },
          ],
          8080,
        ),
        'd7',
      ),
    );
    expect(c.admin.listen).toBe('localhost:2019');
    const server = serverOf(c);
    expect(server.listen).toEqual([':8080']);
    expect(server.routes.map((r) => [r.match?.[0]?.host, r.handle[0]?.upstreams?.[0]?.dial])).toEqual([
      [['api.shop.localhost'], 'shop_backend_d7:8000'],
      [undefined, 'shop_frontend_d7:3000'],
    ]);
    expect(server.routes.every((r) => r.terminal === true)).toBe(true);
  });

  it('GIVEN no default route WHEN generating THEN any other host gets a 404, never an app', () => {
    const server = serverOf(
      parse(caddyConfig('shop', proxy([{ host: 'api.example.com', service: 'backend', port: 8000 }]), 'd1')),
    );
    expect(server.listen).toEqual([':80']);
    expect(server.routes).toHaveLength(2);
    expect(server.routes[1]?.match).toBeUndefined();
    expect(server.routes[1]?.handle[0]).toMatchObject({ handler: 'static_response', status_code: 404 });
  });

  it('GIVEN the same inputs WHEN generating twice THEN the bytes are equal; another deploy id changes only the upstreams', () => {
    const p = proxy([{ service: 'web', port: 80 }]);
    expect(caddyConfig('shop', p, 'd1')).toBe(caddyConfig('shop', p, 'd1'));
    const other = caddyConfig('shop', p, 'd2');
    expect(other).not.toBe(caddyConfig('shop', p, 'd1'));
    expect(other.replaceAll('shop_web_d2', 'shop_web_d1')).toBe(caddyConfig('shop', p, 'd1'));
  });
});
