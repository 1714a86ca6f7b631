import { describe, expect, it } from 'vitest';
import { APP_V2, DB, DB_VOLUME, Harness, app, backend, frontend, shopSpec } from './harness.js';

describe('retiring older generations', () => {
  it('GIVEN kept generations running, paused and restarting WHEN a new one is healthy THEN each is stopped and kept; an expired one is removed', async () => {
    const h = new Harness();
    const spec = shopSpec({ keepGenerations: 3 });
    h.seedGeneration(spec, 'g1', 'exited'); // beyond the 3 kept: removed
    h.seedGeneration(spec, 'g2', 'paused');
    h.seedGeneration(spec, 'g3', 'restarting');
    h.seedGeneration(spec, 'g4', 'running');
    const mark = h.mark();

    const outcome = await h.deploy(spec, 'g5');

    expect(outcome.status).toBe('applied');
    for (const g of ['g2', 'g3', 'g4']) {
      expect(h.stateOf(app('backend', g))).toBe('exited');
      expect(h.stateOf(app('frontend', g))).toBe('exited');
    }
    expect(h.stateOf(app('backend', 'g1'))).toBeUndefined();
    expect(h.stateOf(app('frontend', 'g1'))).toBeUndefined();
    expect(h.names('running')).toEqual([app('backend', 'g5'), DB, app('frontend', 'g5')]);
    const events = h.events(mark);
    expect(events.filter((e) => e.startsWith('stop ')).sort()).toEqual(
      ['g2', 'g3', 'g4'].flatMap((g) => [`stop ${app('backend', g)}`, `stop ${app('frontend', g)}`]).sort(),
    );
    if (outcome.status === 'applied') {
      expect([...outcome.result.kept].sort()).toEqual(
        ['g2', 'g3', 'g4'].flatMap((g) => [app('backend', g), app('frontend', g)]).sort(),
      );
      expect([...outcome.result.removed].sort()).toEqual([app('backend', 'g1'), app('frontend', 'g1')]);
    }
  });

  it('GIVEN apps with restart: always WHEN a generation is retired and kept THEN its policy is no (a daemon restart leaves it down); redeploying it gives the policy back', async () => {
    const h = new Harness();
    const always = (image?: string) => {
      const spec = shopSpec(image ? { image } : {});
      return {
        ...spec,
        apps: {
          ...spec.apps,
          services: spec.apps.services.map((s) => ({ ...s, restart: 'always' as const })),
        },
      };
    };
    await h.deploy(always(), 'd1');
    await h.deploy(always(APP_V2), 'd2');
    const policy = async (name: string) => (await h.engine.inspectContainer(name))?.restartPolicy;
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
    expect(await policy(app('backend', 'd1'))).toBe('no');
    expect(await policy(app('backend', 'd2'))).toBe('always');
    // Redeploying the kept id with its own spec starts it again with its policy; d2 is retired.
    await h.deploy(always(), 'd1');
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    expect(await policy(app('backend', 'd1'))).toBe('always');
    expect(await policy(app('backend', 'd2'))).toBe('no');
  });

  it('GIVEN keep_generations 1 and two running older generations WHEN a new one is healthy THEN the newest old one is stopped, the older is stopped and removed', async () => {
    const h = new Harness();
    const spec = shopSpec({ keepGenerations: 1 });
    h.seedGeneration(spec, 'g1', 'running');
    h.seedGeneration(spec, 'g2', 'running');
    const mark = h.mark();
    await h.deploy(spec, 'g3');
    expect(h.stateOf(app('backend', 'g2'))).toBe('exited');
    expect(h.stateOf(app('backend', 'g1'))).toBeUndefined();
    const events = h.events(mark);
    // A running expired container is removed only after the new generation is healthy.
    expect(events.indexOf(`remove ${app('backend', 'g1')}`)).toBeGreaterThan(
      events.indexOf(`start ${app('frontend', 'g3')}`),
    );
  });

  it('GIVEN keep_generations 0 WHEN a new generation is healthy THEN the old one is removed, never the infrastructure', async () => {
    const h = new Harness();
    const spec = shopSpec({ keepGenerations: 0 });
    await h.deploy(spec, 'd1');
    const db = h.idOf(DB);
    await h.deploy(shopSpec({ keepGenerations: 0, image: APP_V2 }), 'd2');
    expect(h.names()).toEqual([app('backend', 'd2'), DB, app('frontend', 'd2')]);
    expect(h.idOf(DB)).toBe(db);
  });

  it('GIVEN a stop_grace_period WHEN retiring THEN the stop uses it', async () => {
    const h = new Harness();
    const slow = shopSpec({ apps: [backend(undefined, { stopGracePeriodMs: 42_000 }), frontend()] });
    await h.deploy(slow, 'd1');
    const mark = h.mark();
    await h.deploy(
      shopSpec({ apps: [backend(APP_V2, { stopGracePeriodMs: 42_000 }), frontend(APP_V2)] }),
      'd2',
    );
    const stops = h.callsSince(mark).filter((c) => c.method === 'stopContainer');
    const backendStop = stops.find((c) => c.args[0] === h.idOf(app('backend', 'd1')));
    const frontendStop = stops.find((c) => c.args[0] === h.idOf(app('frontend', 'd1')));
    expect(backendStop?.args[1]).toBe(42_000);
    expect(frontendStop?.args[1]).toBe(10_000);
  });

  it('GIVEN many deploys, a rollback and a --replace WHEN it is all over THEN no volume ever disappeared and infra kept its anonymous volumes', async () => {
    const h = new Harness();
    h.engine.addImage('postgres:15', { volumes: ['/var/lib/postgresql/data', '/var/run/postgresql'] });
    const infraIds = new Set<string>();
    const create = h.engine.createContainer.bind(h.engine);
    h.engine.createContainer = async (def) => {
      const id = await create(def);
      if (def.labels['deployctl.role'] === 'infra') infraIds.add(id);
      return id;
    };
    const seen = new Set<string>();
    const gone = (): string[] => {
      const now = new Set(h.engine.volumes.keys());
      const missing = [...seen].filter((v) => !now.has(v));
      for (const v of now) seen.add(v);
      return missing;
    };

    for (const [id, image] of [
      ['d1', APP_V2],
      ['d2', undefined],
      ['d3', APP_V2],
      ['d4', undefined],
    ] as const) {
      await h.deploy(shopSpec({ keepGenerations: 1, ...(image ? { image } : {}) }), id);
      expect(gone()).toEqual([]);
    }
    h.engine.unhealthy(app('backend', 'd5'));
    await h.deployFails(shopSpec({ keepGenerations: 1, image: APP_V2 }), 'd5');
    expect(gone()).toEqual([]);
    await h.deploy(shopSpec({ keepGenerations: 1 }), 'd4', { replace: ['db'] });
    expect(gone()).toEqual([]);

    // Two db containers existed (the original and its replacement), each with one anonymous volume.
    expect(infraIds.size).toBe(2);
    expect([...seen].filter((v) => v !== DB_VOLUME)).toHaveLength(2);
    expect(seen.has(DB_VOLUME)).toBe(true);
    // Old generations were removed along the way, but never an infra container with its volumes.
    const removals = h.engine.calls.filter((c) => c.method === 'removeContainer');
    expect(removals.some((c) => !infraIds.has(String(c.args[0])))).toBe(true);
    for (const r of removals.filter((c) => infraIds.has(String(c.args[0])))) {
      expect(r.args[1]).toMatchObject({ removeAnonymousVolumes: false });
    }
  });

  it('GIVEN a rollback by deploy id to an older generation WHEN the next generation is deployed with keep_generations 1 THEN the one that was serving is kept, not the one rolled back from', async () => {
    const h = new Harness();
    const spec = (image?: string) => shopSpec({ keepGenerations: 1, ...(image ? { image } : {}) });
    await h.deploy(spec(), 'd1');
    await h.deploy(spec(APP_V2), 'd2');
    await h.deploy(spec(), 'd1'); // d2 was bad: back to d1
    await h.deploy(spec(APP_V2), 'd3');
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
    expect(h.stateOf(app('backend', 'd2'))).toBeUndefined();
    expect(h.names()).toEqual(
      [app('backend', 'd1'), app('backend', 'd3'), DB, app('frontend', 'd1'), app('frontend', 'd3')].sort(),
    );
  });
});
