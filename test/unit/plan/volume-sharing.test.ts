import { describe, expect, it } from 'vitest';
import {
  appService,
  buildSpec,
  container,
  imageInfo,
  infraService,
  managedContainer,
  matchingState,
  observedState,
  volumeInfo,
  volumeSpec,
} from '../../support/builders.js';
import { plan } from './plan-helpers.js';

const data = {
  type: 'volume',
  name: 'shop_data',
  target: '/var/lib/postgresql/data',
  readOnly: false,
} as const;
const db = infraService('db', {
  containerName: 'shop_db_v2',
  image: 'postgres:15',
  mounts: [data],
  database: { engine: 'postgres', name: 'shop', user: 'shop' },
});
const proxy = infraService('proxy', {
  containerName: 'shop_proxy',
  image: 'proxy:1',
  mounts: [{ type: 'volume', name: 'certs', target: '/certs', readOnly: false }],
});
const spec = buildSpec({
  project: 'shop',
  volumes: [volumeSpec('shop_data', true), volumeSpec('certs')],
  infra: [db, proxy],
  apps: [appService('api', { image: 'api:1', mounts: [data] })],
});
const images = [imageInfo('postgres:15'), imageInfo('proxy:1'), imageInfo('api:1')];
const volumes = [volumeInfo('shop_data'), volumeInfo('certs')];

describe('planner: an infra container never shares its data volume with a running stranger', () => {
  it('GIVEN the old database (renamed container_name, now outside the spec) still running on the volume WHEN planning the new one THEN apply is blocked with what to stop', () => {
    const old = managedContainer(spec, db, { name: 'shop_db_v1', volumeNames: ['shop_data'] });
    const p = plan(spec, observedState({ images, volumes, containers: [old] }));
    const blocker = p.blockers.find((b) => b.code === 'volume_in_use');
    expect(blocker?.target).toBe('shop_db_v2');
    expect(blocker?.message).toContain('docker stop shop_db_v1');
    expect(blocker?.message).toContain('nothing was changed');
  });

  it('GIVEN a legacy unmanaged container running on the volume WHEN the database would only be started THEN it is blocked too', () => {
    const state = matchingState(spec, 'd1');
    const ours = state.containers.find((c) => c.name === 'shop_db_v2')!;
    ours.state = 'exited';
    const legacy = container('legacy_pg', { volumeNames: ['shop_data'] });
    const p = plan(spec, { ...state, containers: [...state.containers, legacy] });
    expect(p.actions.find((a) => a.name === 'shop_db_v2')?.kind).toBe('start');
    expect(p.blockers.map((b) => b.code)).toContain('volume_in_use');
  });

  it('GIVEN the stranger is stopped WHEN planning THEN nothing is blocked', () => {
    const old = container('legacy_pg', { volumeNames: ['shop_data'], state: 'exited' });
    const p = plan(spec, observedState({ images, volumes, containers: [old] }));
    expect(p.blockers.filter((b) => b.code === 'volume_in_use')).toEqual([]);
  });

  it("GIVEN this project's own app generation mounts the volume WHEN planning THEN that is the spec's own sharing, not a stranger", () => {
    const app = managedContainer(spec, spec.apps.services[0]!, {
      deployId: 'old',
      volumeNames: ['shop_data'],
    });
    const p = plan(spec, observedState({ images, volumes, containers: [app] }));
    expect(p.blockers.filter((b) => b.code === 'volume_in_use')).toEqual([]);
  });

  it('GIVEN a stranger running on the volume of a non-database infra service WHEN planning THEN apply is blocked too, with what to stop', () => {
    const other = container('other_proxy', { volumeNames: ['certs'] });
    const p = plan(spec, observedState({ images, volumes, containers: [other] }));
    const blocker = p.blockers.find((b) => b.code === 'volume_in_use');
    expect(blocker?.target).toBe('shop_proxy');
    expect(blocker?.message).toContain('volume certs, which running container other_proxy uses too');
    expect(blocker?.message).toContain('docker stop other_proxy');
    expect(blocker?.message).toContain('nothing was changed');
    expect(p.warnings.filter((w) => (w.code as string) === 'volume_in_use')).toEqual([]);
  });

  it('GIVEN the old copy of a non-database infra service (renamed container_name) still running on its volume WHEN only starting the new one THEN blocked', () => {
    const state = matchingState(spec, 'd1');
    state.containers.find((c) => c.name === 'shop_proxy')!.state = 'exited';
    const old = managedContainer(spec, proxy, { name: 'shop_proxy_old', volumeNames: ['certs'] });
    const p = plan(spec, { ...state, containers: [...state.containers, old] });
    expect(p.actions.find((a) => a.name === 'shop_proxy')?.kind).toBe('start');
    expect(p.blockers.map((b) => [b.code, b.target])).toContainEqual(['volume_in_use', 'shop_proxy']);
  });

  it('GIVEN a stranger on the volume of a running, up-to-date infra service WHEN planning THEN nothing is blocked (apply does not touch it)', () => {
    const state = matchingState(spec, 'd1');
    const other = container('other_proxy', { volumeNames: ['certs'] });
    const p = plan(spec, { ...state, containers: [...state.containers, other] });
    expect(p.blockers).toEqual([]);
  });

  it('GIVEN --replace of the database WHEN the container being replaced is the one on the volume THEN it is not a stranger', () => {
    const state = matchingState(spec, 'd1');
    state.containers.find((c) => c.name === 'shop_db_v2')!.volumeNames = ['shop_data'];
    const p = plan(spec, state, { deployId: 'd1', replace: ['db'] });
    expect(p.actions.find((a) => a.name === 'shop_db_v2')?.kind).toBe('replace');
    expect(p.blockers).toEqual([]);
  });
});
