/**
 * Traffic switching on the fake engine: when the proxy gets the new routes relative to the new
 * generation's health and the old generation's stop, what a failed reload leaves, and that an
 * unhealthy generation never gets routed to.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../../src/spec/model.js';
import { EngineError } from '../../../src/engine/engine-error.js';
import {
  CADDY_CONFIG_DIR,
  CADDY_CONFIG_FILE,
  CADDY_NEXT_FILE,
  caddyConfig,
} from '../../../src/traffic/caddy-config.js';
import { drainMsOf } from '../../../src/traffic/switch.js';
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
const LIVE = `${CADDY_CONFIG_DIR}/${CADDY_CONFIG_FILE}`;
const NEXT = `${CADDY_CONFIG_DIR}/${CADDY_NEXT_FILE}`;

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
        return [`write ${name} ${(c.args[2] as { name: string }[]).map((f) => f.name).join(',')}`];
      case 'exec':
        return [`reload ${name}`];
      default:
        return [];
    }
  });
}

async function routedFile(path = LIVE): Promise<string | undefined> {
  const files = await h.engine.readFiles(PROXY, path);
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
    const write = s.indexOf(`write ${PROXY} ${CADDY_NEXT_FILE}`);
    expect(write).toBeGreaterThan(s.indexOf(`start ${app('frontend', 'd2')}`));
    // Loaded from the file beside the live one, which takes its place only once Caddy accepted it.
    expect(s.slice(write, write + 3)).toEqual([
      `write ${PROXY} ${CADDY_NEXT_FILE}`,
      `reload ${PROXY}`,
      `write ${PROXY} ${CADDY_CONFIG_FILE}`,
    ]);
    expect(s.indexOf(`stop ${app('backend', 'd1')}`)).toBeGreaterThan(write + 2);
    expect(s.indexOf(`stop ${app('frontend', 'd1')}`)).toBeGreaterThan(write + 2);
    expect(reloads).toEqual([
      [PROXY, 'caddy', 'reload', '--config', NEXT],
      [PROXY, 'caddy', 'reload', '--config', NEXT],
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

  it('GIVEN a reload that fails WHEN deploying THEN TRAFFIC_SWITCH_FAILED, the new generation is rolled back, the old one never stopped, and the live config file is unchanged', async () => {
    await h.deploy(proxiedSpec(), 'd1');
    const d1 = caddyConfig('shop', proxiedSpec().proxy!, 'd1');
    reloadFails = true;
    const mark = h.mark();
    const err = await h.deployFails(proxiedSpec('registry.example.com/shop/app:v2'), 'd2');
    expect(err.code).toBe('TRAFFIC_SWITCH_FAILED');
    expect(err.message).toMatch(/could not route traffic to generation d2 through the proxy shop_proxy/);
    expect(err.message).toMatch(/unknown upstream/);
    expect(err.message).toContain(`${LIVE} is unchanged`);
    expect(steps(mark)).not.toContain(`stop ${app('backend', 'd1')}`);
    expect(steps(mark)).not.toContain(`write ${PROXY} ${CADDY_CONFIG_FILE}`);
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    expect(h.stateOf(app('backend', 'd2'))).toBeUndefined();
    // What a restarted proxy loads, and what plan compares, is still what Caddy runs.
    expect(await routedFile()).toBe(d1);
    expect(await routedFile(NEXT)).toBe(caddyConfig('shop', proxiedSpec().proxy!, 'd2'));
    // Nothing to do for the live generation: its routes are loaded.
    expect((await h.deploy(proxiedSpec(), 'd1')).status).toBe('no_changes');
    // Fixed, the same deploy converges.
    reloadFails = false;
    expect((await h.deploy(proxiedSpec('registry.example.com/shop/app:v2'), 'd2')).status).toBe('applied');
    expect(await routedFile()).toBe(caddyConfig('shop', proxiedSpec().proxy!, 'd2'));
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
  });

  it('GIVEN Caddy accepted the routes but recording them fails WHEN deploying THEN the previous routes are loaded back before the rollback', async () => {
    await h.deploy(proxiedSpec(), 'd1');
    h.engine.failOn('writeFiles', new EngineError('other', 'no space left on device'), {
      when: (_c, _dir, files) => (files as { name: string }[])[0]?.name === CADDY_CONFIG_FILE,
    });
    reloads = [];
    const err = await h.deployFails(proxiedSpec('registry.example.com/shop/app:v2'), 'd2');
    expect(err.code).toBe('TRAFFIC_SWITCH_FAILED');
    expect(err.message).toMatch(/recording them in .* failed \(no space left on device\)/);
    expect(err.message).toContain('The proxy was put back on its previous routes');
    expect(reloads).toEqual([
      [PROXY, 'caddy', 'reload', '--config', NEXT],
      [PROXY, 'caddy', 'reload', '--config', LIVE],
    ]);
    expect(await routedFile()).toBe(caddyConfig('shop', proxiedSpec().proxy!, 'd1'));
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    expect(h.stateOf(app('backend', 'd2'))).toBeUndefined();
  });

  it('GIVEN routes edited while the generation is up to date WHEN applying THEN the plan has only the route action and the routes are loaded; applying again changes nothing', async () => {
    await h.deploy(proxiedSpec(), 'd1');
    const edited = proxiedSpec(undefined, [{ host: 'shop.example.com', service: 'frontend', port: 8000 }]);
    const outcome = await h.deploy(edited, 'd1');
    expect(outcome.status).toBe('applied');
    expect(outcome.plan.actions.filter((a) => a.kind !== 'noop').map((a) => `${a.kind}:${a.reason}`)).toEqual(
      ['route:routes_changed'],
    );
    expect(await routedFile()).toBe(caddyConfig('shop', edited.proxy!, 'd1'));
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
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
