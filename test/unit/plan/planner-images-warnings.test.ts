import { describe, expect, it } from 'vitest';
import {
  appService,
  buildSpec,
  imageInfo,
  infraService,
  managedContainer,
  observedState,
  volumeSpec,
} from '../../support/builders.js';
import { DEPLOY, only, plan } from './plan-helpers.js';

describe('planner: image pulls', () => {
  it('GIVEN an image needed by a create is absent WHEN pull_policy is missing THEN one pull (pull_missing) in phase images', () => {
    const spec = buildSpec({
      project: 'shop',
      apps: [appService('api', { image: 'shop/app:1' }), appService('web', { image: 'shop/app:1' })],
    });
    const p = plan(spec, observedState());
    const pulls = p.actions.filter((a) => a.kind === 'pull');
    expect(pulls).toEqual([
      expect.objectContaining({
        resource: 'image',
        name: 'shop/app:1',
        reason: 'pull_missing',
        phase: 'images',
      }),
    ]);
    expect(pulls[0]!.detail).toContain('api, web');
  });

  it('GIVEN the image is present WHEN pull_policy is missing THEN no pull', () => {
    const spec = buildSpec({ project: 'shop', apps: [appService('api', { image: 'shop/app:1' })] });
    expect(plan(spec, observedState({ images: [imageInfo('shop/app:1')] })).summary.pull).toBe(0);
  });

  it('GIVEN pull_policy always WHEN a create needs the image THEN pull (pull_always) even if present', () => {
    const spec = buildSpec({
      project: 'shop',
      apps: [appService('api', { image: 'shop/app:1', pullPolicy: 'always' })],
    });
    expect(
      only(plan(spec, observedState({ images: [imageInfo('shop/app:1')] })), 'shop/app:1'),
    ).toMatchObject({ kind: 'pull', reason: 'pull_always' });
  });

  it('GIVEN pull_policy never and the image is absent WHEN planning THEN image_unavailable blocks', () => {
    const spec = buildSpec({
      project: 'shop',
      apps: [appService('api', { image: 'shop/app:1', pullPolicy: 'never' })],
    });
    const p = plan(spec, observedState());
    expect(p.blockers).toEqual([
      expect.objectContaining({ code: 'image_unavailable', target: 'shop/app:1' }),
    ]);
    expect(p.summary.pull).toBe(0);
  });

  it('GIVEN the containers already match WHEN pull_policy is always THEN no pull (nothing needs the image)', () => {
    const spec = buildSpec({
      project: 'shop',
      infra: [infraService('db', { image: 'postgres:15', pullPolicy: 'always' })],
    });
    const p = plan(
      spec,
      observedState({
        images: [imageInfo('postgres:15')],
        containers: [managedContainer(spec, spec.infra.services[0]!)],
      }),
    );
    expect(p.summary.pull).toBe(0);
  });
});

describe('planner: data-safety warnings on infra', () => {
  const data = { type: 'volume', name: 'pg', target: '/var/lib/postgresql/data', readOnly: false } as const;

  it('GIVEN an infra service with an anonymous mount WHEN planning THEN anonymous_volume', () => {
    const spec = buildSpec({
      infra: [infraService('db', { mounts: [{ type: 'anonymous', target: '/data' }] })],
    });
    const w = plan(spec, observedState()).warnings;
    expect(w.map((x) => x.code)).toEqual(['anonymous_volume', 'container_layer_data']);
    expect(w[0]!.message).toContain('/data');
  });

  it('GIVEN an infra service with no volume, dir or bind mount WHEN planning THEN container_layer_data', () => {
    const spec = buildSpec({ infra: [infraService('cache')] });
    expect(plan(spec, observedState()).warnings).toEqual([
      expect.objectContaining({ code: 'container_layer_data', target: 'cache' }),
    ]);
  });

  it('GIVEN the image declares a VOLUME nothing is mounted on WHEN planning THEN anonymous_volume naming the path', () => {
    const spec = buildSpec({
      volumes: [volumeSpec('pg')],
      infra: [infraService('db', { image: 'postgres:15', mounts: [data] })],
    });
    const images = [imageInfo('postgres:15', { volumes: ['/var/lib/postgresql/data', '/backups/'] })];
    const w = plan(spec, observedState({ images })).warnings;
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ code: 'anonymous_volume', target: 'db' });
    expect(w[0]!.message).toContain('VOLUME /backups');
  });

  it('GIVEN apps without mounts WHEN planning THEN no data-safety warning (apps are disposable)', () => {
    expect(plan(buildSpec({ apps: [appService('api')] }), observedState()).warnings).toEqual([]);
  });
});

describe('planner: order and summary', () => {
  it('GIVEN a mixed plan WHEN planning THEN actions are ordered by phase, then role, then resource and name, and counted', () => {
    const spec = buildSpec({
      project: 'shop',
      volumes: [volumeSpec('zz_data')],
      infra: [
        infraService('db', {
          containerName: 'aa_db',
          mounts: [{ type: 'volume', name: 'zz_data', target: '/d', readOnly: false }],
        }),
      ],
      apps: [appService('api')],
      keepGenerations: 0,
    });
    const old = managedContainer(spec, spec.apps.services[0]!, { deployId: 'old', state: 'exited' });
    const p = plan(spec, observedState({ containers: [old] }));
    expect(p.actions.map((a) => `${a.phase}:${a.kind}:${a.name}`)).toEqual([
      'cleanup:remove:shop_api_old',
      // Images before infra: creating the db container needs its image.
      'images:pull:example/db:1',
      'images:pull:example/api:1',
      'infra:create:zz_data',
      'infra:create:aa_db',
      `deploy:create:shop_api_${DEPLOY}`,
    ]);
    expect(p.summary).toEqual({
      create: 3,
      start: 0,
      replace: 0,
      stop: 0,
      remove: 1,
      pull: 2,
      route: 0,
      drift: 0,
      noop: 0,
    });
  });
});
