/**
 * Traffic switching on the fake engine: when the proxy gets the new routes relative to the new
 * generation's health and the old generation's stop, what a failed reload leaves, and that an
 * unhealthy generation never gets routed to.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../../src/spec/model.js';
import { CADDY_CONFIG_DIR, CADDY_CONFIG_FILE, caddyConfig } from '../../../src/traffic/caddy-config.js';
import { drainMsOf, routesStale } from '../../../src/traffic/switch.js';
import { infraService } from '../../support/builders.js';
import { app, backend, dbService, frontend, Harness, NET, shopSpec } from '../apply/harness.js';

const PROXY_IMAGE = 'caddy:2';
const PROXY = 'shop_proxy';

function proxiedSpec(
  image?: string,
  routes = [
    { host: 'api.shop.localhost', service: 'backend', port: 8000 },
    { service: 'frontend', port: 8000 },
  ],
): Spec {
  const spec = shopSpec({
    infra: [
      dbService(),
      infraService('proxy', { containerName: PROXY, image: PROXY_IMAGE, networks: [NET] }),
    ],
    ...(image ? { apps: [backend(image), frontend(image)] } : {}),
  });
  return {
    ...spec,
    proxy: { service: 'proxy', listen: 80, routes, drainMs: { backend: 3000, frontend: 3000 } },
  };
}

let h: Harness;
let reloads: string[][];
let reloadFails: boolean;

beforeEach(() => {
  h = new Harness();
  h.engine.addImage(PROXY_IMAGE);
  reloads = [];
  reloadFails = false;
  h.engine.onExec((c, cmd) => {
    if (cmd[0] !== 'caddy') return { exitCode: 127, stdout: '', stderr: 'not found' };
    reloads.push([c.def.name, ...cmd]);
    return reloadFails
      ? { exitCode: 1, stdout: '', stderr: 'Error: loading new config: dial tcp: unknown upstream\n' }
      : { exitCode: 0, stdout: '', stderr: '' };
  });
});

/** What the run did since `mark`, including the proxy writes, in call order. */
function steps(mark: number): string[] {
  const names = new Map([...h.engine.containers.values()].map((c) => [c.id, c.def.name]));
  return h.callsSince(mark).flatMap((c) => {
    const [first] = c.args as [unknown];
    const name = names.get(String(first)) ?? String(first);
    switch (c.method) {
      case 'startContainer':
        return [`start ${name}`];
      case 'stopContainer':
        return [`stop ${name}`];
      case 'writeFiles':
        return [`write ${name}`];
      case 'exec':
        return [`reload ${name}`];
      default:
        return [];
    }
  });
}

async function routedFile(): Promise<string | undefined> {
  const files = await h.engine.readFiles(PROXY, `${CADDY_CONFIG_DIR}/${CADDY_CONFIG_FILE}`);
  return files[0]?.content.toString('utf8');
}

describe('traffic switch in apply', () => {
  it('GIVEN d1 serving WHEN d2 is deployed THEN the proxy is switched after d2 is healthy and before d1 stops, with a drain between', async () => {
    await h.deploy(proxiedSpec(), 'd1');
    expect(await routedFile()).toBe(caddyConfig('shop', proxiedSpec().proxy!, 'd1'));
    const mark = h.mark();
    const slept = h.clock.sleeps.length;
    await h.deploy(proxiedSpec('registry.example.com/shop/app:v2'), 'd2');
    const s = steps(mark);
    const write = s.indexOf(`write ${PROXY}`);
    const reload = s.indexOf(`reload ${PROXY}`);
    expect(write).toBeGreaterThan(s.indexOf(`start ${app('frontend', 'd2')}`));
    expect(reload).toBe(write + 1);
    expect(s.indexOf(`stop ${app('backend', 'd1')}`)).toBeGreaterThan(reload);
    expect(s.indexOf(`stop ${app('frontend', 'd1')}`)).toBeGreaterThan(reload);
    expect(reloads).toEqual([
      [PROXY, 'caddy', 'reload', '--config', `${CADDY_CONFIG_DIR}/${CADDY_CONFIG_FILE}`],
      [PROXY, 'caddy', 'reload', '--config', `${CADDY_CONFIG_DIR}/${CADDY_CONFIG_FILE}`],
    ]);
    expect(await routedFile()).toBe(caddyConfig('shop', proxiedSpec().proxy!, 'd2'));
    // The old generation drained (3 s each) before its stop.
    expect(h.clock.sleeps.slice(slept).filter((ms) => ms === 3000)).toHaveLength(2);
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
    expect(h.stateOf(app('backend', 'd2'))).toBe('running');
  });

  it('GIVEN a new generation that never becomes healthy WHEN deploying THEN the proxy is never touched and the old one serves on', async () => {
    await h.deploy(proxiedSpec(), 'd1');
    const before = await routedFile();
    h.engine.unhealthy(app('backend', 'd2'));
    const mark = h.mark();
    await h.deployFails(proxiedSpec('registry.example.com/shop/app:v2'), 'd2');
    expect(steps(mark).filter((x) => x.includes(PROXY))).toEqual([]);
    expect(await routedFile()).toBe(before);
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    expect(h.stateOf(app('backend', 'd2'))).toBeUndefined();
  });

  it('GIVEN a reload that fails WHEN deploying THEN TRAFFIC_SWITCH_FAILED, the new generation is rolled back and the old one never stopped', async () => {
    await h.deploy(proxiedSpec(), 'd1');
    reloadFails = true;
    const mark = h.mark();
    const err = await h.deployFails(proxiedSpec('registry.example.com/shop/app:v2'), 'd2');
    expect(err.message).toMatch(/could not route traffic to generation d2 through the proxy shop_proxy/);
    expect(err.message).toMatch(/unknown upstream/);
    expect(steps(mark)).not.toContain(`stop ${app('backend', 'd1')}`);
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    expect(h.stateOf(app('backend', 'd2'))).toBeUndefined();
  });

  it('GIVEN routes edited while the generation is up to date WHEN applying THEN the routes are loaded; applying again changes nothing', async () => {
    await h.deploy(proxiedSpec(), 'd1');
    const edited = proxiedSpec(undefined, [{ host: 'shop.example.com', service: 'frontend', port: 8000 }]);
    expect(await routesStale(h.engine, edited, 'd1')).toBe(true);
    const outcome = await h.deploy(edited, 'd1');
    expect(outcome.status).toBe('applied');
    expect(await routedFile()).toBe(caddyConfig('shop', edited.proxy!, 'd1'));
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    expect(await routesStale(h.engine, edited, 'd1')).toBe(false);
    const mark = h.mark();
    expect((await h.deploy(edited, 'd1')).status).toBe('no_changes');
    expect(steps(mark)).toEqual([]);
  });

  it('drain applies only to routed app services', () => {
    const spec = proxiedSpec();
    expect(drainMsOf(spec, 'backend')).toBe(3000);
    expect(drainMsOf(spec, 'worker')).toBe(0);
    expect(drainMsOf(shopSpec(), 'backend')).toBe(0);
  });
});
