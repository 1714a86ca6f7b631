import { describe, expect, it } from 'vitest';
import { CONFIG_LABEL, LABEL } from '../../../src/engine/labels.js';
import {
  buildSpec,
  container,
  dirSpec,
  foreignLabels,
  imageInfo,
  infraService,
  managedContainer,
  networkInfo,
  networkSpec,
  observedState,
  volumeInfo,
  volumeSpec,
} from '../../support/builders.js';
import { kindsFor, only, plan } from './plan-helpers.js';

const db = infraService('db', {
  containerName: 'shop_db',
  image: 'postgres:15',
  environment: { POSTGRES_DB: 'shop', LOG_LEVEL: 'info' },
  mounts: [{ type: 'volume', name: 'shop_data', target: '/var/lib/postgresql/data', readOnly: false }],
});

describe('planner: infra volumes, networks and dirs', () => {
  it('GIVEN an external volume that does not exist WHEN planning THEN it blocks with the command to create it', () => {
    const spec = buildSpec({ project: 'shop', volumes: [volumeSpec('shop_data', true)] });
    const p = plan(spec, observedState());
    expect(p.blockers).toEqual([
      expect.objectContaining({ code: 'external_volume_missing', target: 'shop_data' }),
    ]);
    expect(p.blockers[0]!.message).toContain('docker volume create shop_data');
    expect(p.blockers[0]!.message).toContain('never creates external volumes');
    expect(p.actions.filter((a) => a.name === 'shop_data')).toEqual([]);
  });

  it('GIVEN an external volume that exists WHEN planning THEN it is a protected noop with reason external', () => {
    const spec = buildSpec({ project: 'shop', volumes: [volumeSpec('shop_data', true)] });
    const a = only(plan(spec, observedState({ volumes: [volumeInfo('shop_data')] })), 'shop_data');
    expect(a).toMatchObject({
      kind: 'noop',
      reason: 'external',
      resource: 'volume',
      role: 'infra',
      protected: true,
    });
  });

  it('GIVEN a non-external volume WHEN missing THEN create, WHEN present THEN noop up_to_date', () => {
    const spec = buildSpec({ project: 'shop', volumes: [volumeSpec('logs')] });
    expect(only(plan(spec, observedState()), 'logs')).toMatchObject({
      kind: 'create',
      reason: 'missing',
      phase: 'infra',
      protected: true,
    });
    expect(only(plan(spec, observedState({ volumes: [volumeInfo('logs')] })), 'logs')).toMatchObject({
      kind: 'noop',
      reason: 'up_to_date',
    });
  });

  it('GIVEN networks WHEN an external one is missing THEN it blocks, and a plain one is created', () => {
    const spec = buildSpec({
      project: 'shop',
      networks: [networkSpec('edge', true), networkSpec('shop_net')],
    });
    const p = plan(spec, observedState());
    expect(p.blockers.map((b) => [b.code, b.target])).toEqual([['external_network_missing', 'edge']]);
    expect(p.blockers[0]!.message).toContain('docker network create edge');
    expect(only(p, 'shop_net')).toMatchObject({ kind: 'create', resource: 'network', reason: 'missing' });
    const present = plan(spec, observedState({ networks: [networkInfo('edge'), networkInfo('shop_net')] }));
    expect(present.blockers).toEqual([]);
    expect(kindsFor(present, 'edge')).toEqual(['noop:external']);
  });

  it('GIVEN dirs WHEN one is missing THEN it is created and the present one is a noop', () => {
    const spec = buildSpec({ project: 'shop', dirs: [dirSpec('letsencrypt'), dirSpec('certs')] });
    const p = plan(spec, observedState({ dirs: { certs: true, letsencrypt: false } }));
    expect(only(p, 'letsencrypt')).toMatchObject({
      kind: 'create',
      resource: 'dir',
      reason: 'missing',
      protected: true,
    });
    expect(only(p, 'certs')).toMatchObject({ kind: 'noop', resource: 'dir', reason: 'up_to_date' });
  });

  it('GIVEN volumes and networks labelled role=infra by this project that left the spec WHEN planning THEN they are listed, protected, untouched', () => {
    const spec = buildSpec({ project: 'shop' });
    const mine = { [LABEL.project]: 'shop', [LABEL.role]: 'infra' };
    const p = plan(
      spec,
      observedState({
        volumes: [
          volumeInfo('old_data', mine),
          volumeInfo('foreign', { [LABEL.project]: 'other', [LABEL.role]: 'infra' }),
          volumeInfo('random'),
        ],
        networks: [networkInfo('old_net', mine)],
      }),
    );
    expect(only(p, 'old_data')).toMatchObject({
      kind: 'noop',
      reason: 'removed_from_spec',
      protected: true,
      detail: 'no longer in spec — protected, remove it by hand',
    });
    expect(only(p, 'old_net')).toMatchObject({
      kind: 'noop',
      resource: 'network',
      reason: 'removed_from_spec',
    });
    expect(kindsFor(p, 'foreign')).toEqual([]);
    expect(kindsFor(p, 'random')).toEqual([]);
  });
});

describe('planner: infra containers', () => {
  const spec = buildSpec({ project: 'shop', infra: [db] });
  const svc = spec.infra.services[0]!;
  const images = [imageInfo('postgres:15')];

  it('GIVEN no container with the container_name WHEN planning THEN create it, protected, in phase infra', () => {
    expect(only(plan(spec, observedState({ images })), 'shop_db')).toMatchObject({
      kind: 'create',
      reason: 'missing',
      role: 'infra',
      service: 'db',
      protected: true,
      phase: 'infra',
    });
  });

  it('GIVEN the managed container matches and runs WHEN planning THEN noop up_to_date', () => {
    const p = plan(spec, observedState({ images, containers: [managedContainer(spec, svc)] }));
    expect(only(p, 'shop_db')).toMatchObject({ kind: 'noop', reason: 'up_to_date', protected: true });
    expect(p.summary).toMatchObject({ create: 0, replace: 0, drift: 0 });
  });

  it.each(['created', 'exited', 'dead'] as const)(
    'GIVEN a matching managed container that is %s WHEN planning THEN start it',
    (state) => {
      const p = plan(spec, observedState({ images, containers: [managedContainer(spec, svc, { state })] }));
      expect(only(p, 'shop_db')).toMatchObject({ kind: 'start', reason: 'stopped', observed: { state } });
    },
  );

  it('GIVEN a paused or unhealthy matching container WHEN planning THEN noop plus a warning', () => {
    const paused = plan(
      spec,
      observedState({ images, containers: [managedContainer(spec, svc, { state: 'paused' })] }),
    );
    expect(only(paused, 'shop_db').kind).toBe('noop');
    expect(paused.warnings.map((w) => [w.code, w.target])).toEqual([['paused', 'shop_db']]);
    const sick = plan(
      spec,
      observedState({ images, containers: [managedContainer(spec, svc, { health: 'unhealthy' })] }),
    );
    expect(only(sick, 'shop_db').kind).toBe('noop');
    expect(sick.warnings.map((w) => [w.code, w.target])).toEqual([['unhealthy', 'shop_db']]);
  });

  it('GIVEN the spec changed an env value WHEN planning without --replace THEN drift naming the field, never a replace', () => {
    const older = buildSpec({
      project: 'shop',
      infra: [{ ...db, environment: { ...db.environment, LOG_LEVEL: 'debug' } }],
    });
    const live = managedContainer(older, older.infra.services[0]!);
    const p = plan(spec, observedState({ images, containers: [live] }));
    const a = only(p, 'shop_db');
    expect(a).toMatchObject({ kind: 'drift', reason: 'config_changed', protected: true });
    expect(a.changes).toEqual([
      {
        field: 'environment.LOG_LEVEL',
        before: 'debug',
        after: 'info',
        sensitive: false,
        forcesReplacement: true,
      },
    ]);
    expect(a.detail).toContain('--replace db');
    expect(p.summary).toMatchObject({ drift: 1, replace: 0 });
  });

  it('GIVEN drift on a stopped container WHEN planning THEN drift is reported and the container is still started', () => {
    const older = buildSpec({ project: 'shop', infra: [{ ...db, image: 'postgres:14' }] });
    const live = managedContainer(older, older.infra.services[0]!, { state: 'exited' });
    const p = plan(spec, observedState({ images, containers: [live] }));
    expect(kindsFor(p, 'shop_db')).toEqual(['drift:image_changed', 'start:stopped']);
    expect(p.actions.find((a) => a.kind === 'drift')!.changes).toEqual([
      expect.objectContaining({ field: 'image', before: 'postgres:14', after: 'postgres:15' }),
    ]);
  });

  it('GIVEN drift WHEN --replace names the service THEN replace with the changes', () => {
    const older = buildSpec({ project: 'shop', infra: [{ ...db, image: 'postgres:14' }] });
    const p = plan(
      spec,
      observedState({ images, containers: [managedContainer(older, older.infra.services[0]!)] }),
      { replace: ['db'] },
    );
    const a = only(p, 'shop_db');
    expect(a).toMatchObject({ kind: 'replace', reason: 'image_changed', protected: true, phase: 'infra' });
    expect(a.changes.map((c) => c.field)).toEqual(['image']);
    expect(p.blockers).toEqual([]);
  });

  it('GIVEN no difference WHEN --replace names the service THEN replace with reason replace_requested', () => {
    const p = plan(spec, observedState({ images, containers: [managedContainer(spec, svc)] }), {
      replace: ['db'],
    });
    expect(only(p, 'shop_db')).toMatchObject({ kind: 'replace', reason: 'replace_requested', changes: [] });
    expect(p.blockers).toEqual([]);
  });

  it('GIVEN --replace names something that is not an infra service WHEN planning THEN BAD_ARGUMENT', () => {
    expect(() => plan(spec, observedState(), { replace: ['web'] })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
  });

  it('GIVEN the same tag now points at a new image id WHEN planning THEN drift on image "same tag, new image id"', () => {
    const live = managedContainer(spec, svc, { imageId: 'sha256:' + 'a'.repeat(64) });
    const a = only(
      plan(
        spec,
        observedState({
          images: [imageInfo('postgres:15', { id: 'sha256:' + 'b'.repeat(64) })],
          containers: [live],
        }),
      ),
      'shop_db',
    );
    expect(a).toMatchObject({ kind: 'drift', reason: 'image_changed' });
    expect(a.detail).toContain('same tag, new image id');
    expect(a.changes).toEqual([
      {
        field: 'image',
        before: 'postgres:15 (id aaaaaaaaaaaa)',
        after: 'postgres:15 (id bbbbbbbbbbbb)',
        sensitive: false,
        forcesReplacement: true,
      },
    ]);
  });

  it('GIVEN the config label is unreadable WHEN the hash differs THEN a single "config" change', () => {
    const live = managedContainer(spec, svc, {
      extraLabels: { [LABEL.configHash]: 'f'.repeat(64), [CONFIG_LABEL]: '{broken' },
    });
    const a = only(plan(spec, observedState({ images, containers: [live] })), 'shop_db');
    expect(a.kind).toBe('drift');
    expect(a.changes).toEqual([expect.objectContaining({ field: 'config', before: 'hash ffffffffffff' })]);
  });

  it('GIVEN the config-hash matches WHEN engine-side details differ (image ref spelling) THEN still a noop', () => {
    const live = managedContainer(spec, svc, { image: 'docker.io/library/postgres:15' });
    expect(only(plan(spec, observedState({ images, containers: [live] })), 'shop_db').kind).toBe('noop');
  });

  it('GIVEN an unmanaged container holds the infra name WHEN planning THEN it is used as-is (unmanaged_infra)', () => {
    const legacy = container('shop_db', { image: 'postgres:15', imageId: images[0]!.id });
    const a = only(plan(spec, observedState({ images, containers: [legacy] })), 'shop_db');
    expect(a).toMatchObject({ kind: 'noop', reason: 'unmanaged_infra', role: 'infra', protected: true });
    expect(a.detail).toBe("created outside deployctl: used as-is; its settings can't be compared");
  });

  it('GIVEN an unmanaged infra container that is stopped and runs another image WHEN planning THEN drift on image and start', () => {
    const legacy = container('shop_db', {
      image: 'postgres:15',
      imageId: 'sha256:' + 'c'.repeat(64),
      state: 'exited',
    });
    const p = plan(spec, observedState({ images, containers: [legacy] }));
    expect(kindsFor(p, 'shop_db')).toEqual(['drift:image_changed', 'start:stopped']);
    expect(p.actions[0]!.changes.map((c) => c.field)).toEqual(['image']);
  });

  it('GIVEN an unmanaged infra container WHEN --replace names it THEN replace is allowed', () => {
    const legacy = container('shop_db', { image: 'postgres:15', imageId: images[0]!.id });
    const p = plan(spec, observedState({ images, containers: [legacy] }), { replace: ['db'] });
    expect(only(p, 'shop_db')).toMatchObject({ kind: 'replace', reason: 'replace_requested' });
    expect(p.blockers).toEqual([]);
  });

  it("GIVEN another project's container holds the infra name WHEN planning THEN foreign_name_conflict and nothing on it", () => {
    const theirs = container('shop_db', { labels: foreignLabels('blog', 'infra') });
    const p = plan(spec, observedState({ images, containers: [theirs] }), { replace: ['db'] });
    expect(p.blockers.map((b) => [b.code, b.target])).toEqual([['foreign_name_conflict', 'shop_db']]);
    expect(kindsFor(p, 'shop_db')).toEqual([]);
  });

  it('GIVEN managed infra of this project no longer in the spec WHEN planning THEN it is listed removed_from_spec, protected', () => {
    const older = buildSpec({
      project: 'shop',
      infra: [db, infraService('cache', { containerName: 'shop_cache' })],
    });
    const cache = managedContainer(older, older.infra.services[1]!);
    const a = only(plan(spec, observedState({ images, containers: [cache] })), 'shop_cache');
    expect(a).toMatchObject({ kind: 'noop', reason: 'removed_from_spec', protected: true, service: 'cache' });
    expect(a.detail).toBe('no longer in spec — protected, remove it by hand');
  });

  it('GIVEN an infra container renamed aside by an interrupted replace WHEN planning THEN protected noop and a warning to check it', () => {
    const aside = managedContainer(spec, svc, { name: 'shop_db.replaced-20261123T080000Z' });
    const p = plan(spec, observedState({ images, containers: [aside] }));
    expect(only(p, 'shop_db.replaced-20261123T080000Z')).toMatchObject({
      kind: 'noop',
      protected: true,
      reason: 'removed_from_spec',
    });
    expect(p.warnings.find((w) => w.target === 'shop_db.replaced-20261123T080000Z')?.message).toContain(
      'remove it by hand',
    );
    // The real name is free, so the infra container itself is created again.
    expect(kindsFor(p, 'shop_db')).toEqual(['create:missing']);
  });

  it('GIVEN an unmanaged infra container left aside by an interrupted --replace WHEN planning THEN protected, listed, with a warning', () => {
    const aside = container('shop_db.replaced-20261123T080000Z', { state: 'exited' });
    const p = plan(spec, observedState({ images, containers: [aside] }));
    const a = only(p, aside.name);
    expect(a).toMatchObject({ kind: 'noop', role: 'unmanaged', protected: true, reason: 'protected_name' });
    expect(a.detail).toContain('renamed-aside copy of infra container shop_db');
    expect(p.warnings.map((w) => w.target)).toContain(aside.name);
  });

  it('GIVEN the lock container WHEN planning THEN the planner ignores it', () => {
    const lock = container('shop_deployctl_lock', {
      labels: { [LABEL.project]: 'shop', [LABEL.role]: 'lock' },
      state: 'created',
    });
    expect(
      kindsFor(plan(spec, observedState({ images, containers: [lock] })), 'shop_deployctl_lock'),
    ).toEqual([]);
  });
});
