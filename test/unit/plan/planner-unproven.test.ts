import { describe, expect, it } from 'vitest';
import { matchingLiveGeneration } from '../../../src/plan/live-generation.js';
import { renderPlanText, plainStyle } from '../../../src/plan/render-text.js';
import { appContainerName } from '../../../src/spec/model.js';
import { appService, buildSpec, imageInfo, managedContainer, observedState } from '../../support/builders.js';
import { kindsFor, only, plan } from './plan-helpers.js';

// Two services so a generation can be half proven; `api` has a healthcheck, `web` has none.
const api = appService('api', {
  image: 'shop/api:2',
  healthcheck: { test: ['CMD', 'true'], intervalMs: 1000 },
});
const web = appService('web', { image: 'shop/api:2' });
const spec = buildSpec({ project: 'shop', apps: [api, web] });
const [apiSvc, webSvc] = spec.apps.services as [
  (typeof spec.apps.services)[0],
  (typeof spec.apps.services)[0],
];
const images = [imageInfo('shop/api:2')];
const n = (service: string, id: string): string => appContainerName('shop', service, id);

function live(deployId: string, init: Parameters<typeof managedContainer>[2] = {}) {
  return [
    managedContainer(spec, apiSvc, { deployId, createdAt: deployId === 'd1' ? 100 : 200, ...init }),
    managedContainer(spec, webSvc, {
      deployId,
      createdAt: deployId === 'd1' ? 100 : 200,
      ...init,
      health: undefined,
    }),
  ];
}

describe('planner: a running generation that was never proven healthy (re-run after kill -9)', () => {
  it.each(['starting', 'unhealthy'] as const)(
    'GIVEN d1 serving and d2 running with health %s WHEN planning d2 THEN d2 is adopted (unproven), sibling too, d1 is still retired after',
    (health) => {
      const containers = [...live('d1', { health: 'healthy' }), ...live('d2', { health })];
      const p = plan(spec, observedState({ images, containers }), { deployId: 'd2' });
      expect(only(p, n('api', 'd2'))).toMatchObject({ kind: 'start', reason: 'unproven', phase: 'deploy' });
      expect(only(p, n('api', 'd2')).detail).toContain(`health "${health}"`);
      // The healthy sibling was created by the same killed run: it goes with its generation.
      expect(only(p, n('web', 'd2'))).toMatchObject({ kind: 'start', reason: 'unproven' });
      expect(kindsFor(p, n('api', 'd1'))).toEqual(['stop:previous_generation']);
      // No "leaves it as it is" warning for a container apply now acts on.
      expect(p.warnings.filter((w) => w.code === 'unhealthy')).toEqual([]);
    },
  );

  it('GIVEN a restarting container without healthcheck beside d1 WHEN planning THEN unproven', () => {
    const d2 = live('d2', { health: 'healthy' });
    d2[1] = { ...d2[1]!, state: 'restarting' };
    const p = plan(
      spec,
      observedState({ images, containers: [...live('d1', { health: 'healthy' }), ...d2] }),
      {
        deployId: 'd2',
      },
    );
    expect(only(p, n('web', 'd2'))).toMatchObject({ kind: 'start', reason: 'unproven' });
  });

  it('GIVEN d2 fully healthy beside a still-running d1 (killed during retire) WHEN planning THEN d2 is up to date and d1 retired', () => {
    const containers = [...live('d1', { health: 'healthy' }), ...live('d2', { health: 'healthy' })];
    const p = plan(spec, observedState({ images, containers }), { deployId: 'd2' });
    expect(kindsFor(p, n('api', 'd2'))).toEqual(['noop:up_to_date']);
    expect(kindsFor(p, n('web', 'd2'))).toEqual(['noop:up_to_date']);
    expect(kindsFor(p, n('web', 'd1'))).toEqual(['stop:previous_generation']);
  });

  it('GIVEN d2 serving alone (d1 stopped) and turned unhealthy WHEN planning d2 THEN serving_unproven for it only', () => {
    const containers = [...live('d1', { state: 'exited' }), ...live('d2', { health: 'unhealthy' })];
    const p = plan(spec, observedState({ images, containers }), { deployId: 'd2' });
    expect(only(p, n('api', 'd2'))).toMatchObject({ kind: 'start', reason: 'serving_unproven' });
    expect(only(p, n('api', 'd2')).detail).toContain('never removing it');
    expect(kindsFor(p, n('web', 'd2'))).toEqual(['noop:up_to_date']);
  });

  it('GIVEN a kept d1 brought back by a killed apply (running unproven) while the newer d2 still serves WHEN planning d1 THEN unproven_kept', () => {
    const containers = [...live('d1', { health: 'starting' }), ...live('d2', { health: 'healthy' })];
    const p = plan(spec, observedState({ images, containers }), { deployId: 'd1' });
    expect(only(p, n('api', 'd1'))).toMatchObject({ kind: 'start', reason: 'unproven_kept' });
    expect(only(p, n('api', 'd1')).detail).toContain('stops this kept generation again if it fails');
    expect(only(p, n('web', 'd1'))).toMatchObject({ kind: 'start', reason: 'unproven_kept' });
    expect(kindsFor(p, n('api', 'd2'))).toEqual(['stop:previous_generation']);
  });

  it('GIVEN an unproven generation WHEN rendering the plan THEN it says wait, and the summary counts waits apart from starts', () => {
    const containers = [...live('d1', { health: 'healthy' }), ...live('d2', { health: 'starting' })];
    const text = renderPlanText(
      plan(spec, observedState({ images, containers }), { deployId: 'd2' }),
      plainStyle,
    );
    expect(text).toContain(`~   wait container ${n('api', 'd2')} (api): runs but was never proven healthy`);
    expect(text).toContain('Plan: 0 to create, 2 to wait for, 0 to replace, 2 to stop, 0 to remove');
  });
});

describe('matchingLiveGeneration: only a healthy generation is reused without a deploy id', () => {
  it('GIVEN the live generation healthy WHEN no deploy id THEN its id is reused', () => {
    const containers = live('d2', { health: 'healthy' });
    expect(matchingLiveGeneration(spec, observedState({ images, containers }))).toBe('d2');
  });

  it.each(['starting', 'unhealthy'] as const)(
    'GIVEN the live generation %s WHEN no deploy id THEN no id is reused (a new generation is made)',
    (health) => {
      const containers = live('d2', { health });
      expect(matchingLiveGeneration(spec, observedState({ images, containers }))).toBeUndefined();
    },
  );
});
