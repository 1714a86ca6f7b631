import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../src/engine/labels.js';
import type { ContainerState } from '../../../src/engine/port.js';
import { appContainerName } from '../../../src/spec/model.js';
import {
  appService,
  buildSpec,
  container,
  foreignLabels,
  imageInfo,
  managedContainer,
  observedState,
} from '../../support/builders.js';
import { only, plan } from './plan-helpers.js';

const D = 'd9';
const spec = (keepGenerations: number, protect: string[] = []) =>
  buildSpec({ project: 'shop', apps: [appService('api'), appService('web')], keepGenerations, protect });

/** One old generation: both services, created at `at`, in `state`. */
function generation(
  s: ReturnType<typeof spec>,
  deployId: string,
  at: number,
  state: ContainerState = 'exited',
) {
  return s.apps.services.map((svc) => managedContainer(s, svc, { deployId, createdAt: at, state }));
}

const images = [imageInfo('example/api:1'), imageInfo('example/web:1')];

const DAY = 86_400_000;

describe('planner: cleanup.max_age', () => {
  const aged = (keep: number, maxAgeMs: number) => ({
    ...spec(keep),
    cleanup: { ...spec(keep).cleanup, maxAgeMs },
  });

  it('GIVEN max_age 14d WHEN a kept generation was retired 20 days ago THEN it is removed although within keep_generations; one retired 3 days ago is kept', () => {
    const s = aged(5, 14 * DAY);
    const now = 100 * DAY;
    const containers = [
      ...generation(s, 'd1', now - 40 * DAY), // retired when d2 came, 20 days ago
      ...generation(s, 'd2', now - 20 * DAY), // retired when d3 came, 3 days ago
      ...generation(s, 'd3', now - 3 * DAY, 'running'), // live
    ];
    const p = plan(s, observedState({ images, containers }), { deployId: D, now });
    expect(only(p, 'shop_api_d1')).toMatchObject({
      kind: 'remove',
      reason: 'expired_generation',
      phase: 'cleanup',
      detail: 'retired more than 14d ago (cleanup.max_age): will be removed',
    });
    expect(only(p, 'shop_web_d1').kind).toBe('remove');
    expect(only(p, 'shop_api_d2')).toMatchObject({ kind: 'noop', reason: 'previous_generation' });
    expect(only(p, 'shop_api_d3')).toMatchObject({ kind: 'stop', reason: 'previous_generation' });
  });

  it('GIVEN max_age WHEN the only kept generation was retired by the live one long ago THEN it is removed (the live one counts as its successor)', () => {
    const s = aged(5, 14 * DAY);
    const now = 100 * DAY;
    const containers = [
      ...generation(s, 'd1', now - 40 * DAY), // retired when d2 came, 20 days ago
      ...generation(s, 'd2', now - 20 * DAY, 'running'), // live
    ];
    const p = plan(s, observedState({ images, containers }), { deployId: D, now });
    expect(only(p, 'shop_api_d1')).toMatchObject({ kind: 'remove', reason: 'expired_generation' });
    expect(only(p, 'shop_api_d2')).toMatchObject({ kind: 'stop', reason: 'previous_generation' });
  });

  it('GIVEN max_age WHEN the old generations are all very old THEN the live one (running) and the newest never age out', () => {
    const s = aged(5, DAY);
    const now = 1000 * DAY;
    const containers = [
      ...generation(s, 'd1', 10 * DAY), // running: a rollback target brought back, say
      ...generation(s, 'd2', 20 * DAY, 'running'),
      ...generation(s, 'd3', 30 * DAY), // newest: nothing replaced it yet
    ];
    containers[0] = { ...containers[0]!, state: 'running' };
    containers[1] = { ...containers[1]!, state: 'running' };
    const p = plan(s, observedState({ images, containers }), { deployId: D, now });
    for (const n of ['shop_api_d1', 'shop_api_d2', 'shop_api_d3'])
      expect(only(p, n).reason, n).toBe('previous_generation');
  });

  it('GIVEN no max_age, or no clock WHEN planning THEN age never removes anything', () => {
    const now = 1000 * DAY;
    const containers = (s: ReturnType<typeof spec>) => [
      ...generation(s, 'd1', DAY),
      ...generation(s, 'd2', 2 * DAY),
    ];
    const plain = spec(5);
    expect(
      only(
        plan(plain, observedState({ images, containers: containers(plain) }), { deployId: D, now }),
        'shop_api_d1',
      ).kind,
    ).toBe('noop');
    const withAge = aged(5, DAY);
    expect(
      only(
        plan(withAge, observedState({ images, containers: containers(withAge) }), { deployId: D }),
        'shop_api_d1',
      ).kind,
    ).toBe('noop');
  });
});

describe('planner: older generations', () => {
  it('GIVEN keep_generations 2 and four older generations WHEN planning THEN the newest two are kept and the rest removed', () => {
    const s = spec(2);
    const containers = [
      ...generation(s, 'd1', 100),
      ...generation(s, 'd2', 200),
      ...generation(s, 'd3', 300, 'running'),
      ...generation(s, 'd4', 400),
    ];
    const p = plan(s, observedState({ images, containers }), { deployId: D });
    // d4 (newest, stopped) kept as is; d3 (running) stopped and kept.
    expect(only(p, 'shop_api_d4')).toMatchObject({
      kind: 'noop',
      reason: 'previous_generation',
      detail: 'stopped, kept for rollback',
    });
    expect(only(p, 'shop_api_d3')).toMatchObject({
      kind: 'stop',
      reason: 'previous_generation',
      phase: 'retire',
      deployId: 'd3',
    });
    // d2 and d1 are beyond keep_generations and not running: removed in the pre-deploy cleanup.
    for (const n of ['shop_api_d2', 'shop_web_d2', 'shop_api_d1', 'shop_web_d1']) {
      expect(only(p, n)).toMatchObject({
        kind: 'remove',
        reason: 'expired_generation',
        phase: 'cleanup',
        protected: false,
      });
    }
    expect(p.summary).toMatchObject({ stop: 2, remove: 4 });
  });

  it('GIVEN generations whose ids do not sort by time WHEN planning THEN order comes from creation time, newest first', () => {
    const s = spec(1);
    const containers = [...generation(s, 'zzz', 100), ...generation(s, 'aaa', 500)];
    const p = plan(s, observedState({ images, containers }), { deployId: D });
    expect(only(p, 'shop_api_aaa').reason).toBe('previous_generation');
    expect(only(p, 'shop_api_zzz').reason).toBe('expired_generation');
  });

  it('GIVEN a generation with one newer container WHEN grouping THEN its newest container dates the whole generation', () => {
    const s = spec(1);
    const [oldApi, oldWeb] = generation(s, 'g1', 100);
    const containers = [oldApi!, { ...oldWeb!, createdAt: 900 }, ...generation(s, 'g2', 500)];
    const p = plan(s, observedState({ images, containers }), { deployId: D });
    expect(only(p, 'shop_api_g1').reason).toBe('previous_generation');
    expect(only(p, 'shop_api_g2').reason).toBe('expired_generation');
  });

  it('GIVEN an expired generation that still runs WHEN planning THEN it is removed in retire, after the new one is healthy', () => {
    const s = spec(0);
    const p = plan(s, observedState({ images, containers: generation(s, 'd1', 100, 'running') }), {
      deployId: D,
    });
    expect(only(p, 'shop_api_d1')).toMatchObject({
      kind: 'remove',
      reason: 'expired_generation',
      phase: 'retire',
    });
  });

  it('GIVEN a managed app container without a deploy id WHEN planning THEN failed_leftover', () => {
    const s = spec(2);
    const broken = managedContainer(s, s.apps.services[0]!, { name: 'shop_api_broken', state: 'created' });
    delete broken.labels[LABEL.deployId];
    expect(
      only(plan(s, observedState({ images, containers: [broken] }), { deployId: D }), 'shop_api_broken'),
    ).toMatchObject({
      kind: 'remove',
      reason: 'failed_leftover',
      phase: 'cleanup',
    });
  });

  it('GIVEN an old generation whose names match cleanup.protect WHEN planning THEN never stopped or removed', () => {
    const s = spec(0, ['shop_api_*']);
    const p = plan(s, observedState({ images, containers: generation(s, 'd1', 100, 'running') }), {
      deployId: D,
    });
    expect(only(p, 'shop_api_d1')).toMatchObject({ kind: 'noop', reason: 'protected_name', protected: true });
    expect(only(p, 'shop_web_d1')).toMatchObject({ kind: 'remove' });
  });

  it("GIVEN another project's and unmanaged app-like containers WHEN planning THEN none of them is touched", () => {
    const s = spec(0);
    const theirs = container('blog_api_d1', {
      labels: foreignLabels('blog', 'app', { [LABEL.deployId]: 'd1' }),
      state: 'exited',
    });
    const hand = container('shop_api_manual', { state: 'exited' });
    const p = plan(s, observedState({ images, containers: [theirs, hand] }), { deployId: D });
    expect(p.actions.filter((a) => a.name === theirs.name || a.name === hand.name)).toEqual([]);
  });

  it('GIVEN unmanaged containers matching cleanup.protect WHEN planning THEN listed as protected noops, role unmanaged', () => {
    const s = spec(2, ['legacy_*']);
    const p = plan(
      s,
      observedState({ images, containers: [container('legacy_redis'), container('random_thing')] }),
      { deployId: D },
    );
    expect(only(p, 'legacy_redis')).toMatchObject({
      kind: 'noop',
      role: 'unmanaged',
      reason: 'protected_name',
      protected: true,
      detail: 'protected by cleanup.protect "legacy_*": never touched',
    });
    expect(p.actions.filter((a) => a.name === 'random_thing')).toEqual([]);
  });

  it('GIVEN the generation being deployed already exists WHEN planning THEN it is not counted as an older generation', () => {
    const s = spec(0);
    const p = plan(s, observedState({ images, containers: generation(s, D, 900, 'running') }), {
      deployId: D,
    });
    expect(only(p, appContainerName('shop', 'api', D))).toMatchObject({ kind: 'noop', reason: 'up_to_date' });
  });
});
