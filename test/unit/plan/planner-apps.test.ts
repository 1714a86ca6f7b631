import { describe, expect, it } from 'vitest';
import { appContainerName } from '../../../src/spec/model.js';
import {
  appService,
  buildSpec,
  container,
  foreignLabels,
  imageInfo,
  infraService,
  managedContainer,
  observedState,
} from '../../support/builders.js';
import { DEPLOY, kindsFor, only, plan } from './plan-helpers.js';

const api = appService('api', { image: 'shop/api:2', environment: { LOG_LEVEL: 'info' } });
const spec = buildSpec({ project: 'shop', apps: [api] });
const svc = spec.apps.services[0]!;
const name = appContainerName('shop', 'api', DEPLOY);
const images = [imageInfo('shop/api:2')];

describe('planner: apps of the generation being deployed', () => {
  it('GIVEN no container for the generation WHEN planning THEN create <project>_<service>_<deploy id> in phase deploy', () => {
    expect(only(plan(spec, observedState({ images })), name)).toMatchObject({
      kind: 'create',
      reason: 'missing',
      role: 'app',
      service: 'api',
      deployId: DEPLOY,
      protected: false,
      phase: 'deploy',
    });
  });

  it('GIVEN the generation already runs and matches WHEN planning again THEN noop', () => {
    const live = managedContainer(spec, svc, { deployId: DEPLOY });
    expect(only(plan(spec, observedState({ images, containers: [live] })), name)).toMatchObject({
      kind: 'noop',
      reason: 'up_to_date',
    });
  });

  it.each(['exited', 'created', 'dead'] as const)(
    'GIVEN the matching container is %s WHEN planning THEN start it',
    (state) => {
      const live = managedContainer(spec, svc, { deployId: DEPLOY, state });
      expect(only(plan(spec, observedState({ images, containers: [live] })), name)).toMatchObject({
        kind: 'start',
        reason: 'stopped',
      });
    },
  );

  it('GIVEN the image reference changed WHEN planning THEN replace with image_changed', () => {
    const older = buildSpec({ project: 'shop', apps: [{ ...api, image: 'shop/api:1' }] });
    const live = managedContainer(older, older.apps.services[0]!, { deployId: DEPLOY });
    const a = only(plan(spec, observedState({ images, containers: [live] })), name);
    expect(a).toMatchObject({ kind: 'replace', reason: 'image_changed', protected: false, phase: 'deploy' });
    expect(a.changes).toEqual([
      expect.objectContaining({ field: 'image', before: 'shop/api:1', after: 'shop/api:2' }),
    ]);
  });

  it('GIVEN only an env value changed WHEN planning THEN replace with config_changed', () => {
    const older = buildSpec({ project: 'shop', apps: [{ ...api, environment: { LOG_LEVEL: 'debug' } }] });
    const live = managedContainer(older, older.apps.services[0]!, { deployId: DEPLOY });
    const a = only(plan(spec, observedState({ images, containers: [live] })), name);
    expect(a).toMatchObject({ kind: 'replace', reason: 'config_changed' });
    expect(a.changes.map((c) => c.field)).toEqual(['environment.LOG_LEVEL']);
  });

  it('GIVEN an unmanaged container holds the app name WHEN planning THEN foreign_name_conflict and it is not touched', () => {
    const p = plan(spec, observedState({ images, containers: [container(name)] }));
    expect(p.blockers.map((b) => [b.code, b.target])).toEqual([['foreign_name_conflict', name]]);
    expect(kindsFor(p, name)).toEqual([]);
  });

  it("GIVEN another project's container holds the app name WHEN planning THEN foreign_name_conflict", () => {
    const p = plan(
      spec,
      observedState({ images, containers: [container(name, { labels: foreignLabels('blog', 'app') })] }),
    );
    expect(p.blockers[0]).toMatchObject({ code: 'foreign_name_conflict', target: name });
    expect(p.blockers[0]!.message).toContain('project blog');
  });

  it('GIVEN the app name matches cleanup.protect WHEN planning THEN protected_name_conflict', () => {
    const guarded = buildSpec({ project: 'shop', apps: [api], protect: ['shop_api_*'] });
    const p = plan(guarded, observedState({ images }));
    expect(p.blockers.map((b) => b.code)).toEqual(['protected_name_conflict']);
    expect(kindsFor(p, name)).toEqual([]);
  });

  it('GIVEN the app name equals an infra container_name WHEN planning THEN protected_name_conflict, not two creates', () => {
    const clash = buildSpec({
      project: 'shop',
      infra: [infraService('legacy', { containerName: name })],
      apps: [api],
    });
    const p = plan(clash, observedState({ images }));
    expect(p.blockers).toEqual([expect.objectContaining({ code: 'protected_name_conflict', target: name })]);
    expect(kindsFor(p, name)).toEqual(['create:missing']);
    expect(only(p, name).role).toBe('infra');
  });

  it('GIVEN a managed app of this generation whose service left the spec WHEN planning THEN remove it (orphan_app) in retire', () => {
    const before = buildSpec({ project: 'shop', apps: [api, appService('worker')] });
    const worker = managedContainer(before, before.apps.services[1]!, { deployId: DEPLOY });
    const a = only(plan(spec, observedState({ images, containers: [worker] })), worker.name);
    expect(a).toMatchObject({
      kind: 'remove',
      reason: 'orphan_app',
      phase: 'retire',
      service: 'worker',
      protected: false,
    });
  });

  it('GIVEN app containers of this generation renamed aside WHEN planning THEN failed_leftover: cleanup if stopped, retire if running', () => {
    const stopped = managedContainer(spec, svc, {
      deployId: DEPLOY,
      name: `${name}.replaced-20261123T0700Z`,
      state: 'exited',
    });
    const running = managedContainer(spec, svc, {
      deployId: DEPLOY,
      name: `${name}.replaced-20261123T0701Z`,
    });
    const p = plan(spec, observedState({ images, containers: [stopped, running] }));
    expect(only(p, stopped.name)).toMatchObject({
      kind: 'remove',
      reason: 'failed_leftover',
      phase: 'cleanup',
    });
    expect(only(p, running.name)).toMatchObject({
      kind: 'remove',
      reason: 'failed_leftover',
      phase: 'retire',
    });
  });
});
