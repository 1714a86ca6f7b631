import { describe, expect, it } from 'vitest';
import type { ContainerState, HealthStatus } from '../../../src/engine/port.js';
import { planRollback } from '../../../src/plan/plan-rollback.js';
import {
  appService,
  buildSpec,
  infraService,
  managedContainer,
  observedState,
} from '../../support/builders.js';

const spec = (protect: string[] = [], keepGenerations = 2) =>
  buildSpec({
    project: 'shop',
    infra: [infraService('db', { containerName: 'shop_db' })],
    apps: [appService('api'), appService('web')],
    keepGenerations,
    protect,
  });

function generation(
  s: ReturnType<typeof spec>,
  deployId: string,
  at: number,
  state: ContainerState,
  health?: HealthStatus,
) {
  return s.apps.services.map((svc) =>
    managedContainer(s, svc, { deployId, createdAt: at, state, ...(health ? { health } : {}) }),
  );
}

function plan(s: ReturnType<typeof spec>, target: string, containers: ReturnType<typeof generation>) {
  const observed = observedState({ containers });
  const targets = containers.filter((c) => c.labels['deployctl.deploy-id'] === target);
  return planRollback({ spec: s, deployId: target, containers: targets, observed });
}

const row = (p: ReturnType<typeof plan>) =>
  p.actions.map((a) => `${a.kind} ${a.name} ${a.reason}${a.protected ? ' protected' : ''}`);

describe('planner: rollback', () => {
  it('GIVEN kept d1 and serving d2 WHEN planning a rollback to d1 THEN d1 is started as it is, d2 stopped and kept, infra absent', () => {
    const s = spec();
    const db = managedContainer(s, s.infra.services[0]!, { state: 'running' });
    const p = plan(s, 'd1', [
      ...generation(s, 'd1', 100, 'exited'),
      ...generation(s, 'd2', 200, 'running'),
      db,
    ]);
    expect(p.blockers).toEqual([]);
    expect(row(p).sort()).toEqual([
      'start shop_api_d1 stopped',
      'start shop_web_d1 stopped',
      'stop shop_api_d2 previous_generation',
      'stop shop_web_d2 previous_generation',
    ]);
    expect(p.actions.every((a) => a.role === 'app')).toBe(true);
    expect(p.actions.find((a) => a.name === 'shop_api_d1')?.phase).toBe('deploy');
  });

  it('GIVEN keep_generations 1 WHEN rolling back THEN the replaced generation is kept and older ones removed', () => {
    const s = spec([], 1);
    const p = plan(s, 'd2', [
      ...generation(s, 'd1', 100, 'exited'),
      ...generation(s, 'd2', 200, 'exited'),
      ...generation(s, 'd3', 300, 'running'),
    ]);
    expect(row(p)).toEqual(
      expect.arrayContaining([
        'stop shop_api_d3 previous_generation',
        'remove shop_api_d1 expired_generation',
        'start shop_api_d2 stopped',
      ]),
    );
  });

  it('GIVEN a serving container matching cleanup.protect WHEN rolling back THEN it is never stopped', () => {
    const s = spec(['shop_api_d2']);
    const p = plan(s, 'd1', [...generation(s, 'd1', 100, 'exited'), ...generation(s, 'd2', 200, 'running')]);
    expect(p.blockers).toEqual([]);
    expect(row(p)).toContain('noop shop_api_d2 protected_name protected');
    expect(row(p)).toContain('stop shop_web_d2 previous_generation');
  });

  it('GIVEN a rollback killed while d1 was starting WHEN planned again THEN d1 is waited on (and stopped again on failure)', () => {
    const s = spec();
    const p = plan(s, 'd1', [
      ...generation(s, 'd1', 100, 'running', 'starting'),
      ...generation(s, 'd2', 200, 'running'),
    ]);
    expect(row(p)).toEqual(
      expect.arrayContaining(['start shop_api_d1 unproven_kept', 'start shop_web_d1 unproven_kept']),
    );
  });

  it('GIVEN d1 already serving alone and healthy WHEN planned again THEN nothing changes', () => {
    const s = spec();
    const p = plan(s, 'd1', [
      ...generation(s, 'd1', 100, 'running', 'healthy'),
      ...generation(s, 'd2', 200, 'exited'),
    ]);
    expect(p.actions.filter((a) => a.kind !== 'noop')).toEqual([]);
  });
});
