import { describe, expect, it } from 'vitest';
import { canonicalImageRef } from '../../../src/spec/image-ref.js';
import { appService, buildSpec } from '../../support/builders.js';
import { APP_V1, APP_V2, DB, Harness, NET, app, at, dbService, shopSpec } from './harness.js';

describe('apply runs its phases in order', () => {
  it('GIVEN an expired leftover, an image to pull, a stopped db and a serving generation WHEN deploying THEN cleanup, images, infra, deploy levels, retire', async () => {
    const h = new Harness();
    const v1 = shopSpec({ keepGenerations: 1 });
    h.seedGeneration(v1, 'd0', 'exited');
    await h.deploy(v1, 'd1');
    await h.engine.stopContainer(DB, 0);
    h.engine.images.delete(canonicalImageRef(APP_V2));
    h.engine.addPullable(APP_V2);
    const mark = h.mark();

    const outcome = await h.deploy(shopSpec({ keepGenerations: 1, image: APP_V2 }), 'd2');

    expect(outcome.status).toBe('applied');
    const events = h.events(mark);
    const order = [
      `remove ${app('backend', 'd0')}`, // cleanup: an expired, stopped generation
      `pull ${APP_V2}`, // images
      `start ${DB}`, // infra
      `create ${app('backend', 'd2')}`, // deploy, level 1
      `create ${app('frontend', 'd2')}`, // deploy, level 2 (depends on backend)
      `stop ${app('backend', 'd1')}`, // retire: kept for rollback
    ].map((e) => at(events, e));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(at(events, `remove ${app('frontend', 'd0')}`)).toBeLessThan(at(events, `pull ${APP_V2}`));
    expect(at(events, `stop ${app('frontend', 'd1')}`)).toBeGreaterThan(
      at(events, `start ${app('frontend', 'd2')}`),
    );
    // The user sees the same phases, in the same order, each one finished.
    expect(h.io.steps.slice(-5).map((s) => [s.title, s.ok])).toEqual([
      ['Pre-deploy cleanup', true],
      ['Images', true],
      ['Infrastructure', true],
      ['New generation d2', true],
      ['Retire older generations', true],
    ]);
    if (outcome.status !== 'applied') return;
    expect(outcome.result.phases.map((p) => p.phase)).toEqual([
      'cleanup',
      'images',
      'infra',
      'deploy',
      'retire',
    ]);
  });

  it('GIVEN a service that depends on another WHEN deploying THEN it is created only after that one is healthy', async () => {
    const h = new Harness();
    h.engine.setHealthSequence(app('backend', 'd1'), ['starting', 'starting', 'starting', 'healthy']);
    const createdAt = new Map<string, number>();
    const create = h.engine.createContainer.bind(h.engine);
    h.engine.createContainer = (def) => {
      createdAt.set(def.name, h.clock.now());
      return create(def);
    };
    await h.deploy(shopSpec(), 'd1');
    // Three "starting" looks at backend before frontend was created: at 0, 250 (its failed
    // healthcheck probe was due again) and 750 ms; healthy at the fourth, 1250 ms.
    expect(
      createdAt.get(app('frontend', 'd1'))! - createdAt.get(app('backend', 'd1'))!,
    ).toBeGreaterThanOrEqual(1250);
    // And the app level only began once the database was healthy.
    expect(createdAt.get(app('backend', 'd1'))!).toBeGreaterThan(createdAt.get(DB)!);
  });

  it('GIVEN independent services WHEN deploying THEN they start together, and a service needing both waits for both', async () => {
    const h = new Harness();
    const svc = (name: string, dependsOn: string[]) =>
      appService(name, {
        image: APP_V1,
        networks: [NET],
        healthcheck: { test: ['CMD', 'true'] },
        dependsOn,
      });
    const spec = buildSpec({
      project: 'shop',
      volumes: shopSpec().infra.volumes,
      networks: shopSpec().infra.networks,
      infra: [dbService()],
      apps: [svc('api', ['db']), svc('worker', []), svc('web', ['api', 'worker'])],
    });
    h.engine.setHealthSequence(app('api', 'd1'), ['starting', 'starting', 'starting', 'starting', 'healthy']);
    h.engine.setHealthSequence(app('worker', 'd1'), ['starting', 'healthy']);
    const createdAt = new Map<string, number>();
    const create = h.engine.createContainer.bind(h.engine);
    h.engine.createContainer = (def) => {
      createdAt.set(def.name, h.clock.now());
      return create(def);
    };

    const outcome = await h.deploy(spec, 'd1');

    expect(outcome.status).toBe('applied');
    // api and worker in one level: created at the same moment, before either was healthy.
    expect(createdAt.get(app('worker', 'd1'))).toBe(createdAt.get(app('api', 'd1')));
    // web after the slower of the two (api: four "starting" looks).
    expect(createdAt.get(app('web', 'd1'))! - createdAt.get(app('api', 'd1'))!).toBeGreaterThanOrEqual(2000);
    expect(h.names('running')).toEqual([app('api', 'd1'), DB, app('web', 'd1'), app('worker', 'd1')]);
  });

  it('GIVEN a service of the first level fails WHEN deploying THEN the next level is never created', async () => {
    const h = new Harness();
    h.engine.failStart(app('backend', 'd1'), 1, 'boom');
    const mark = h.mark();
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.message).toContain('backend');
    expect(h.events(mark).filter((e) => e.includes('frontend'))).toEqual([]);
  });

  it("GIVEN two services of one level WHEN one exits at start THEN the level fails at once, without waiting out the other one's timeout", async () => {
    const h = new Harness();
    const svc = (name: string) =>
      appService(name, {
        image: APP_V1,
        networks: [NET],
        healthcheck: { test: ['CMD', 'true'] },
        waitTimeoutMs: 300_000,
      });
    const spec = buildSpec({
      project: 'shop',
      volumes: shopSpec().infra.volumes,
      networks: shopSpec().infra.networks,
      infra: [dbService()],
      apps: [svc('api'), svc('worker')],
    });
    h.engine.failStart(app('api', 'd1'), 1, 'boom');
    h.engine.setHealthSequence(app('worker', 'd1'), ['starting']);

    const err = await h.deployFails(spec, 'd1');

    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.message).toMatch(/^api \(shop_api_d1\) exited with code 1\./);
    // The sibling was stopped because of it, which is not a failure of its own.
    expect(err.message).not.toContain('other service(s) of this level failed too');
    expect(h.clock.slept()).toBeLessThan(10_000);
    expect(h.names()).toEqual([DB]);
  });

  it('GIVEN two services of one level WHEN both fail on their own THEN the message says the other one failed too', async () => {
    const h = new Harness();
    const svc = (name: string) =>
      appService(name, { image: APP_V1, networks: [NET], healthcheck: { test: ['CMD', 'true'] } });
    const spec = buildSpec({
      project: 'shop',
      volumes: shopSpec().infra.volumes,
      networks: shopSpec().infra.networks,
      infra: [dbService()],
      apps: [svc('api'), svc('worker')],
    });
    h.engine.failStart(app('api', 'd1'), 1);
    h.engine.failStart(app('worker', 'd1'), 2);
    const err = await h.deployFails(spec, 'd1');
    expect(err.message).toContain('(1 other service(s) of this level failed too)');
  });
});
