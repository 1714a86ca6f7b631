/**
 * The proxy's routes in the plan (spec `proxy:`): a `route` action when apply would load routes
 * other than those the proxy runs, compared with the config read back from it.
 */
import { describe, expect, it } from 'vitest';
import { hasChanges } from '../../../src/plan/actions.js';
import { planToJson } from '../../../src/plan/plan-json.js';
import { plainStyle, renderPlanText } from '../../../src/plan/render-text.js';
import type { ProxySpec, Spec } from '../../../src/spec/model.js';
import { caddyConfig } from '../../../src/traffic/caddy-config.js';
import { appService, buildSpec, infraService, matchingState } from '../../support/builders.js';
import { planValidator } from '../../../src/plan/plan-schema.js';
import { plan } from './plan-helpers.js';

const PROXY = 'shop_proxy';
const ROUTES: ProxySpec['routes'] = [
  { host: 'api.shop.localhost', service: 'api', port: 8000 },
  { service: 'web', port: 8000 },
];

function spec(routes = ROUTES, listen = 8080, tag = '1'): Spec {
  const s = buildSpec({
    project: 'shop',
    infra: [infraService('proxy', { containerName: PROXY, image: 'caddy:2' })],
    apps: [appService('api', { image: `shop/app:${tag}` }), appService('web', { image: `shop/app:${tag}` })],
  });
  return { ...s, proxy: { service: 'proxy', listen, routes, drainMs: { api: 2000, web: 2000 } } };
}

/** The live state after an apply of generation `id`, the proxy running the routes of `routedSpec`. */
function live(id: string, routedSpec = spec(), routes?: string | null): ReturnType<typeof matchingState> {
  return {
    ...matchingState(routedSpec, id),
    proxyRoutes: routes === undefined ? caddyConfig('shop', routedSpec.proxy!, id) : routes,
  };
}

const routeActions = (s: Spec, observed: ReturnType<typeof matchingState>, deployId: string) =>
  plan(s, observed, { deployId }).actions.filter((a) => a.kind === 'route');

describe('planner: the proxy routes (proxy:)', () => {
  it('GIVEN the proxy runs the routes of the live generation WHEN planning the same generation THEN no route action, no changes', () => {
    const p = plan(spec(), live('d1'), { deployId: 'd1' });
    expect(p.actions.some((a) => a.kind === 'route')).toBe(false);
    expect(hasChanges(p)).toBe(false);
  });

  it('GIVEN a route host edited in the spec WHEN planning the live generation THEN one route action routes_changed, naming the routes before and after', () => {
    const edited = spec([{ host: 'shop.example.com', service: 'api', port: 8000 }, ROUTES[1]!]);
    const p = plan(edited, live('d1'), { deployId: 'd1' });
    expect(hasChanges(p)).toBe(true);
    expect(p.summary.route).toBe(1);
    const [route, ...more] = p.actions.filter((a) => a.kind === 'route');
    expect(more).toEqual([]);
    expect(route).toMatchObject({
      kind: 'route',
      resource: 'routes',
      role: 'infra',
      name: PROXY,
      service: 'proxy',
      deployId: 'd1',
      reason: 'routes_changed',
      protected: false,
      phase: 'traffic',
    });
    expect(route!.changes).toEqual([
      {
        field: 'routes[api.shop.localhost]',
        before: 'shop_api_d1:8000',
        sensitive: false,
        forcesReplacement: false,
      },
      {
        field: 'routes[shop.example.com]',
        after: 'shop_api_d1:8000',
        sensitive: false,
        forcesReplacement: false,
      },
    ]);
    // Nothing else moves: the containers are as they were.
    expect(p.actions.filter((a) => a.kind !== 'noop' && a.kind !== 'route')).toEqual([]);
  });

  it('GIVEN listen or a route port edited WHEN planning THEN routes_changed with that field', () => {
    const byListen = routeActions(spec(ROUTES, 8081), live('d1'), 'd1');
    expect(byListen.map((a) => a.reason)).toEqual(['routes_changed']);
    expect(byListen[0]!.changes.map((c) => [c.field, c.before, c.after])).toEqual([
      ['listen', ':8080', ':8081'],
    ]);
    const byPort = routeActions(spec([ROUTES[0]!, { service: 'web', port: 9000 }]), live('d1'), 'd1');
    expect(byPort[0]!.changes.map((c) => [c.field, c.before, c.after])).toEqual([
      ['routes[*]', 'shop_web_d1:8000', 'shop_web_d1:9000'],
    ]);
  });

  it('GIVEN only the drain edited WHEN planning THEN no route action: the drain is not in the proxy', () => {
    const s = spec();
    const drained = { ...s, proxy: { ...s.proxy!, drainMs: { api: 9000, web: 9000 } } };
    expect(hasChanges(plan(drained, live('d1'), { deployId: 'd1' }))).toBe(false);
  });

  it('GIVEN a running proxy holding no routes from deployctl WHEN planning THEN routes_changed, every field added', () => {
    const [route] = routeActions(spec(), live('d1', spec(), null), 'd1');
    expect(route).toMatchObject({ reason: 'routes_changed' });
    expect(route!.detail).toMatch(/holds no routes from deployctl/);
    expect(route!.changes.map((c) => [c.field, c.before, c.after])).toEqual([
      ['listen', undefined, ':8080'],
      ['routes[api.shop.localhost]', undefined, 'shop_api_d1:8000'],
      ['routes[*]', undefined, 'shop_web_d1:8000'],
    ]);
  });

  it('GIVEN a new generation WHEN planning THEN routes_switch in phase traffic, between deploy and retire, upstreams moving to it', () => {
    const next = spec(ROUTES, 8080, '2');
    const p = plan(next, live('d1'), { deployId: 'd2' });
    const phases = p.actions.filter((a) => a.kind !== 'noop' && a.kind !== 'pull').map((a) => a.phase);
    expect(phases.indexOf('traffic')).toBeGreaterThan(phases.lastIndexOf('deploy'));
    expect(phases.indexOf('traffic')).toBeLessThan(phases.indexOf('retire'));
    const [route] = p.actions.filter((a) => a.kind === 'route');
    expect(route).toMatchObject({ reason: 'routes_switch', deployId: 'd2' });
    expect(route!.changes.map((c) => [c.field, c.before, c.after])).toEqual([
      ['routes[api.shop.localhost]', 'shop_api_d1:8000', 'shop_api_d2:8000'],
      ['routes[*]', 'shop_web_d1:8000', 'shop_web_d2:8000'],
    ]);
  });

  it('GIVEN a proxy that could not be read WHEN nothing else changes THEN no route action; WHEN a generation is deployed THEN routes_switch', () => {
    const { proxyRoutes: _, ...unread } = live('d1');
    expect(routeActions(spec(), unread, 'd1')).toEqual([]);
    expect(routeActions(spec(ROUTES, 8080, '2'), unread, 'd2').map((a) => a.reason)).toEqual([
      'routes_switch',
    ]);
  });

  it('GIVEN no proxy: key WHEN planning THEN never a route action', () => {
    const { proxy: _, ...plain } = spec();
    expect(routeActions(plain, live('d1', spec(), null), 'd1')).toEqual([]);
  });

  it('GIVEN a route action THEN text shows it under Traffic with its fields, JSON validates against the schema', () => {
    const edited = spec([{ host: 'shop.example.com', service: 'api', port: 8000 }, ROUTES[1]!]);
    const p = plan(edited, live('d1'), { deployId: 'd1' });
    const text = renderPlanText(p, plainStyle);
    expect(text).toContain('Traffic (proxy)');
    expect(text).toMatch(/~> {2}routes shop_proxy \(proxy\): routes differ from the spec/);
    expect(text).toContain('- routes[api.shop.localhost]: shop_api_d1:8000');
    expect(text).toContain('+ routes[shop.example.com]: shop_api_d1:8000');
    expect(text).toMatch(/^Plan: 0 to create, 0 to replace, 0 to stop, 0 to remove, 1 to reroute$/m);
    const json = planToJson(p);
    expect(planValidator()(json)).toBe(true);
    expect(json.summary.route).toBe(1);
    expect(json.actions.find((a) => a.kind === 'route')).toMatchObject({
      resource: 'routes',
      reason: 'routes_changed',
      phase: 'traffic',
      name: PROXY,
    });
  });
});
