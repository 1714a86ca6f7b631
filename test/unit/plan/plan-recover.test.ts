import { describe, expect, it } from 'vitest';
import type { ContainerInfo } from '../../../src/engine/port.js';
import {
  planRecover,
  targetFromLabels,
  type RecoverPlan,
  type RecoverTarget,
} from '../../../src/plan/plan-recover.js';
import type { ObservedState } from '../../../src/plan/observed.js';
import type { Spec } from '../../../src/spec/model.js';
import {
  appService,
  buildSpec,
  container,
  imageIdOf,
  infraService,
  managedContainer,
  matchingState,
  volumeSpec,
} from '../../support/builders.js';

const spec = (protect: string[] = []): Spec =>
  buildSpec({
    project: 'shop',
    volumes: [volumeSpec('shop_pgdata', true)],
    infra: [
      infraService('db', {
        containerName: 'shop_db',
        mounts: [
          { type: 'volume', name: 'shop_pgdata', target: '/var/lib/postgresql/data', readOnly: false },
        ],
      }),
    ],
    apps: [appService('api', { dependsOn: ['db'] }), appService('web')],
    protect,
  });

/** What the ledger says serves: generation `deployId` with the spec's own configuration. */
function target(s: Spec, deployId: string): RecoverTarget {
  return {
    source: 'ledger',
    revision: 7,
    deployId,
    apps: s.apps.services.map((svc) => ({
      service: svc.name,
      container: `shop_${svc.name}_${deployId}`,
      image: svc.image,
      imageId: imageIdOf(svc.image),
      configHash: svc.configHash,
    })),
  };
}

/** The live state of d2 serving, with d1 kept, then `edit` applied (the reboot's damage). */
function after(s: Spec, edit: (cs: ContainerInfo[]) => ContainerInfo[]): ObservedState {
  const state = matchingState(s, 'd2');
  const kept = s.apps.services.map((svc) =>
    managedContainer(s, svc, { deployId: 'd1', createdAt: 1_600_000_000_000, state: 'exited' }),
  );
  return {
    ...state,
    containers: edit([...state.containers.map((c) => ({ ...c, health: 'healthy' as const })), ...kept]),
  };
}

const set = (name: string, patch: Partial<ContainerInfo>) => (cs: ContainerInfo[]) =>
  cs.map((c) => (c.name === name ? { ...c, ...patch } : c));
const without = (name: string) => (cs: ContainerInfo[]) => cs.filter((c) => c.name !== name);
const steps = (p: RecoverPlan) => p.steps.map((x) => `${x.kind} ${x.container}`).sort();

describe('planRecover', () => {
  it('GIVEN everything runs and is healthy WHEN planned THEN no step, every container skipped as running', () => {
    const s = spec();
    const p = planRecover(
      s,
      after(s, (cs) => cs),
      target(s, 'd2'),
    );
    expect(p.steps).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.skipped.map((e) => e.resource).sort()).toEqual(['shop_api_d2', 'shop_db', 'shop_web_d2']);
  });

  it('GIVEN a reboot stopped everything WHEN planned THEN infra and the live generation are started, the kept one is not', () => {
    const s = spec();
    const stopped = (cs: ContainerInfo[]) =>
      cs.map((c) => (c.name.endsWith('_d1') ? c : { ...c, state: 'exited' as const, health: undefined }));
    const p = planRecover(s, after(s, stopped), target(s, 'd2'));
    expect(steps(p)).toEqual(['start shop_api_d2', 'start shop_db', 'start shop_web_d2']);
    expect(p.steps.some((x) => x.container.endsWith('_d1'))).toBe(false);
  });

  it('GIVEN a running container still starting WHEN planned THEN it is only waited on', () => {
    const s = spec();
    const p = planRecover(s, after(s, set('shop_db', { health: 'starting' })), target(s, 'd2'));
    expect(steps(p)).toEqual(['wait shop_db']);
  });

  it("GIVEN an app container still starting whose gate opened on apply's probe WHEN planned THEN it is fine, as plan and status count it", () => {
    const s = spec();
    const probed = planRecover(
      s,
      after(s, set('shop_api_d2', { health: 'starting', healthProbed: true })),
      target(s, 'd2'),
    );
    expect(steps(probed)).toEqual([]);
    const unprobed = planRecover(s, after(s, set('shop_api_d2', { health: 'starting' })), target(s, 'd2'));
    expect(steps(unprobed)).toEqual(['wait shop_api_d2']);
  });

  it('GIVEN the DB container lost but its volume there WHEN planned THEN it is recreated from the spec on that volume', () => {
    const s = spec();
    const p = planRecover(s, after(s, without('shop_db')), target(s, 'd2'));
    expect(p.steps).toEqual([
      expect.objectContaining({ kind: 'recreate', container: 'shop_db', imageId: imageIdOf('example/db:1') }),
    ]);
  });

  it('GIVEN the DB container AND its volume lost WHEN planned THEN nothing is created and the error says the data is gone', () => {
    const s = spec();
    const observed = { ...after(s, without('shop_db')), volumes: [] };
    const p = planRecover(s, observed, target(s, 'd2'));
    expect(p.steps).toEqual([]);
    expect(p.errors[0]).toMatchObject({ resource: 'shop_db', role: 'infra' });
    expect(p.errors[0]!.why).toContain('recover never creates an empty volume');
    expect(p.errors[0]!.why).toContain('docker volume create');
  });

  it('GIVEN another running container mounts the stopped DB volume WHEN planned THEN the DB is not started (two servers, one data dir)', () => {
    const s = spec();
    const legacy = container('legacy_pg', { state: 'running', volumeNames: ['shop_pgdata'] });
    const observed = after(s, (cs) => [
      ...set('shop_db', { state: 'exited', health: undefined })(cs),
      legacy,
    ]);
    const p = planRecover(s, observed, target(s, 'd2'));
    expect(steps(p)).toEqual([]);
    expect(p.errors[0]!.why).toContain('is used by running container legacy_pg');
  });

  it('GIVEN a paused or unhealthy container WHEN planned THEN it is not touched and says what to do', () => {
    const s = spec();
    const observed = after(s, (cs) =>
      set('shop_web_d2', { state: 'paused' })(set('shop_api_d2', { health: 'unhealthy' })(cs)),
    );
    const p = planRecover(s, observed, target(s, 'd2'));
    expect(p.steps).toEqual([]);
    const why = Object.fromEntries(p.errors.map((e) => [e.resource, e.why]));
    expect(why['shop_web_d2']).toContain('docker unpause shop_web_d2');
    expect(why['shop_api_d2']).toContain('unhealthy');
  });

  it('GIVEN a lost app whose configuration the spec still has WHEN planned THEN it is recreated; changed since THEN an error naming apply and rollback', () => {
    const s = spec();
    const same = planRecover(s, after(s, without('shop_api_d2')), target(s, 'd2'));
    expect(steps(same)).toEqual(['recreate shop_api_d2']);

    const ran = target(s, 'd2');
    ran.apps[0] = { ...ran.apps[0]!, configHash: 'another-configuration' };
    const changed = planRecover(s, after(s, without('shop_api_d2')), ran);
    expect(changed.steps).toEqual([]);
    expect(changed.errors[0]!.why).toMatch(
      /no longer the configuration generation d2 ran.*deployctl apply.*deployctl rollback/,
    );
  });

  it('GIVEN a kept generation that came back by itself WHEN planned THEN it is stopped again; a protected one is left alone', () => {
    const s = spec();
    const back = set('shop_api_d1', { state: 'running' });
    expect(steps(planRecover(s, after(s, back), target(s, 'd2')))).toEqual(['stop shop_api_d1']);
    const guarded = spec(['shop_api_d1']);
    expect(steps(planRecover(guarded, after(guarded, back), target(guarded, 'd2')))).toEqual([]);
  });

  it('GIVEN the live generation name held by a container of another project WHEN planned THEN it is not touched', () => {
    const s = spec();
    const impostor = (cs: ContainerInfo[]) => [
      ...without('shop_web_d2')(cs),
      container('shop_web_d2', { state: 'exited', labels: { 'deployctl.project': 'other' } }),
    ];
    const p = planRecover(s, after(s, impostor), target(s, 'd2'));
    expect(steps(p)).toEqual([]);
    expect(p.errors[0]).toMatchObject({ resource: 'shop_web_d2' });
    expect(p.errors[0]!.why).toContain('it was not touched');
  });

  it('GIVEN after a down (no generation should run) WHEN planned THEN only infrastructure is brought back', () => {
    const s = spec();
    const downed = (cs: ContainerInfo[]) =>
      cs
        .filter((c) => !c.name.startsWith('shop_api') && !c.name.startsWith('shop_web'))
        .map((c) => ({ ...c, state: 'exited' as const }));
    const p = planRecover(s, after(s, downed), { source: 'ledger', revision: 9, apps: [] });
    expect(steps(p)).toEqual(['start shop_db']);
    expect(p.errors).toEqual([]);
  });
});

describe('targetFromLabels (no ledger)', () => {
  it('GIVEN exactly one generation with a running container THEN that one; GIVEN none or two THEN unknown, never a guess', () => {
    const s = spec();
    const one = targetFromLabels(
      s,
      after(s, (cs) => cs),
      'the history is empty',
    );
    expect(one).toMatchObject({ source: 'labels', deployId: 'd2' });
    expect(one.apps.map((a) => a.container).sort()).toEqual(['shop_api_d2', 'shop_web_d2']);

    const none = targetFromLabels(
      s,
      after(s, (cs) => cs.map((c) => ({ ...c, state: 'exited' as const }))),
      'the history is empty',
    );
    expect(none.deployId).toBeUndefined();
    expect(none.unknown).toContain('no app generation is running');

    const two = targetFromLabels(
      s,
      after(s, set('shop_api_d1', { state: 'running' })),
      'the history is empty',
    );
    expect(two.unknown).toContain('2 app generations are running');
    const p = planRecover(s, after(s, set('shop_api_d1', { state: 'running' })), two);
    expect(p.steps).toEqual([]);
    expect(p.errors.map((e) => e.resource)).toEqual(['apps']);
  });
});
