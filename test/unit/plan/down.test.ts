import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../src/engine/labels.js';
import { planDown, type DownObserved, type DownPlan } from '../../../src/plan/down.js';
import {
  appService,
  buildSpec,
  container,
  dirSpec,
  foreignLabels,
  infraService,
  managedContainer,
  networkInfo,
  networkSpec,
  volumeInfo,
  volumeSpec,
} from '../../support/builders.js';

const spec = buildSpec({
  project: 'shop',
  volumes: [volumeSpec('shop_pgdata', true)],
  networks: [networkSpec('shop_net')],
  dirs: [dirSpec('letsencrypt')],
  infra: [
    infraService('db', { containerName: 'shop_db', stopGracePeriodMs: 30_000 }),
    infraService('proxy', { containerName: 'shop_proxy_persistent', dependsOn: ['db'] }),
  ],
  apps: [
    appService('backend', { dependsOn: ['db'], stopGracePeriodMs: 5_000 }),
    appService('frontend', { dependsOn: ['backend'] }),
  ],
  protect: ['shop_*_persistent', 'legacy_*'],
});
const [db, proxy] = spec.infra.services as [(typeof spec.infra.services)[0], (typeof spec.infra.services)[0]];
const [backend, frontend] = spec.apps.services as [
  (typeof spec.apps.services)[0],
  (typeof spec.apps.services)[0],
];

function observed(init: Partial<DownObserved> = {}): DownObserved {
  return {
    containers: [],
    volumes: [volumeInfo('shop_pgdata'), volumeInfo('unrelated_volume')],
    networks: [networkInfo('shop_net'), networkInfo('bridge')],
    dirs: { letsencrypt: true },
    ...init,
  };
}

/** A running stack: infra, live d3, kept d2 (exited), an unproven d4 left starting by a killed apply. */
function stack(): DownObserved {
  return observed({
    containers: [
      managedContainer(spec, db),
      managedContainer(spec, proxy),
      managedContainer(spec, backend, { deployId: 'd2', state: 'exited', createdAt: 1 }),
      managedContainer(spec, frontend, { deployId: 'd2', state: 'exited', createdAt: 1 }),
      managedContainer(spec, backend, { deployId: 'd3', createdAt: 2 }),
      managedContainer(spec, frontend, { deployId: 'd3', createdAt: 2 }),
      managedContainer(spec, backend, { deployId: 'd4', health: 'starting', createdAt: 3 }),
    ],
  });
}

const kinds = (p: DownPlan): string[] => p.actions.map((a) => `${a.kind} ${a.name} w${a.wave}`);
const kept = (p: DownPlan): Record<string, string> =>
  Object.fromEntries(p.untouched.map((u) => [`${u.resource} ${u.name}`, u.reason]));

describe('planDown', () => {
  it('removes every app generation (live, kept, unproven), dependents first, and leaves infra running', () => {
    const p = planDown({ spec, observed: stack(), includeInfra: false });
    expect(kinds(p)).toEqual([
      'remove shop_frontend_d2 w0',
      'remove shop_frontend_d3 w0',
      'remove shop_backend_d2 w1',
      'remove shop_backend_d3 w1',
      'remove shop_backend_d4 w1',
    ]);
    expect(p.actions.every((a) => a.role === 'app' && a.reason === 'app_generation')).toBe(true);
    expect(kept(p)).toEqual({
      'container shop_db': 'infra',
      'container shop_proxy_persistent': 'infra',
      'volume shop_pgdata': 'volume',
      'network shop_net': 'network',
      'dir letsencrypt': 'dir',
    });
  });

  it("stops each container with its service's grace period, from the spec or else its stored definition", () => {
    const gone = appService('worker', { stopGracePeriodMs: 42_000 });
    const orphan = managedContainer(buildSpec({ project: 'shop', apps: [gone] }), gone, { deployId: 'd1' });
    const noLabel = container('shop_cron_d1', {
      labels: { [LABEL.project]: 'shop', [LABEL.role]: 'app', [LABEL.deployId]: 'd1' },
    });
    const p = planDown({
      spec,
      observed: observed({ containers: [...stack().containers, orphan, noLabel] }),
      includeInfra: true,
    });
    const grace = Object.fromEntries(p.actions.map((a) => [a.name, a.graceMs]));
    expect(grace).toMatchObject({
      shop_backend_d3: 5_000,
      shop_frontend_d3: 10_000,
      shop_worker_d1: 42_000,
      shop_cron_d1: 10_000,
      shop_db: 30_000,
      shop_proxy_persistent: 10_000,
    });
    // An app whose service left the spec goes with the first wave.
    expect(p.actions.find((a) => a.name === 'shop_worker_d1')?.wave).toBe(0);
  });

  it('with --include-infra stops (never removes) infra after every app, in reverse dependency order', () => {
    const p = planDown({ spec, observed: stack(), includeInfra: true });
    expect(kinds(p).slice(-2)).toEqual(['stop shop_proxy_persistent w2', 'stop shop_db w3']);
    const infra = p.actions.filter((a) => a.role === 'infra');
    expect(infra.map((a) => [a.kind, a.reason])).toEqual([
      ['stop', 'infra_stop'],
      ['stop', 'infra_stop'],
    ]);
    expect(p.actions.filter((a) => a.kind === 'remove').every((a) => a.role === 'app')).toBe(true);
  });

  it('keeps already stopped infra as it is, so a re-run has nothing left to do', () => {
    const containers = [
      managedContainer(spec, db, { state: 'exited' }),
      managedContainer(spec, proxy, { state: 'exited' }),
    ];
    const p = planDown({ spec, observed: observed({ containers }), includeInfra: true });
    expect(p.actions).toEqual([]);
    expect(kept(p)['container shop_db']).toBe('infra_stopped');
  });

  it('never touches an unmanaged container named exactly like an app of this project', () => {
    const lookalike = container('shop_backend_d3');
    const p = planDown({ spec, observed: observed({ containers: [lookalike] }), includeInfra: true });
    expect(p.actions).toEqual([]);
    expect(kept(p)['container shop_backend_d3']).toBe('unmanaged');
  });

  it('never touches a role=infra container of this project that is no longer in the spec, even with --include-infra', () => {
    const cache = infraService('cache', { containerName: 'shop_cache' });
    const old = managedContainer(buildSpec({ project: 'shop', infra: [cache] }), cache);
    const p = planDown({ spec, observed: observed({ containers: [old] }), includeInfra: true });
    expect(p.actions).toEqual([]);
    expect(kept(p)['container shop_cache']).toBe('removed_from_spec');
  });

  it('never touches a container matching cleanup.protect, managed as an app or not', () => {
    const legacy = container('legacy_billing', { labels: {} });
    const appLike = managedContainer(spec, backend, { deployId: 'd9', name: 'shop_backend_persistent' });
    const p = planDown({ spec, observed: observed({ containers: [legacy, appLike] }), includeInfra: true });
    expect(p.actions).toEqual([]);
    expect(kept(p)).toMatchObject({
      'container legacy_billing': 'protected',
      'container shop_backend_persistent': 'protected',
    });
  });

  it('never touches an unmanaged container holding an infra name, even with --include-infra', () => {
    const legacyDb = container('shop_db', { labels: {} });
    const p = planDown({ spec, observed: observed({ containers: [legacyDb] }), includeInfra: true });
    expect(p.actions).toEqual([]);
    expect(kept(p)['container shop_db']).toBe('protected');
  });

  it('never touches the state store, the lock, other projects or containers of unknown role', () => {
    const containers = [
      container('shop.deployctl-state', {
        labels: { [LABEL.project]: 'shop', [LABEL.role]: 'state' },
        state: 'created',
      }),
      container('shop.deployctl-lock', {
        labels: { [LABEL.project]: 'shop', [LABEL.role]: 'lock' },
        state: 'created',
      }),
      container('shop_backend_x', { labels: foreignLabels('other', 'app') }),
      container('shop_thing', { labels: { [LABEL.project]: 'shop', [LABEL.role]: 'mystery' } }),
      container('legacy_other_project', { labels: foreignLabels('other', 'infra') }),
    ];
    const p = planDown({ spec, observed: observed({ containers }), includeInfra: true });
    expect(p.actions).toEqual([]);
    expect(kept(p)).toMatchObject({
      'container shop.deployctl-state': 'state_store',
      'container shop_backend_x': 'other_project',
      'container shop_thing': 'unknown_role',
      'container legacy_other_project': 'other_project',
    });
    expect(Object.keys(kept(p))).not.toContain('container shop.deployctl-lock');
  });

  it('never touches a renamed-aside copy of an infra container', () => {
    const aside = managedContainer(spec, db, { name: 'shop_db.replaced-20260101T000000Z', state: 'exited' });
    const p = planDown({ spec, observed: observed({ containers: [aside] }), includeInfra: true });
    expect(p.actions).toEqual([]);
    expect(kept(p)['container shop_db.replaced-20260101T000000Z']).toBe('protected');
  });

  it('removes stopped app containers without a stop, and lists no volume, network or dir it does not know', () => {
    const p = planDown({
      spec,
      observed: observed({
        containers: [managedContainer(spec, backend, { deployId: 'd1', state: 'exited' })],
      }),
      includeInfra: false,
    });
    expect(p.actions.map((a) => [a.kind, a.state])).toEqual([['remove', 'exited']]);
    expect(Object.keys(kept(p))).toEqual(['volume shop_pgdata', 'network shop_net', 'dir letsencrypt']);
  });

  it('lists volumes and networks labelled with the project even when they left the spec', () => {
    const p = planDown({
      spec,
      observed: observed({
        volumes: [volumeInfo('shop_old', { [LABEL.project]: 'shop' })],
        networks: [],
        dirs: { letsencrypt: false },
      }),
      includeInfra: false,
    });
    expect(kept(p)).toEqual({ 'volume shop_old': 'volume' });
  });
});
