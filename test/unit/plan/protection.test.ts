import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../src/engine/labels.js';
import type { Action, Plan } from '../../../src/plan/actions.js';
import { checkProtection, matchesGlob, protectionOf } from '../../../src/plan/protection.js';
import {
  appService,
  buildSpec,
  container,
  foreignLabels,
  infraService,
  managedContainer,
  observedState,
} from '../../support/builders.js';
import { plan } from './plan-helpers.js';

const spec = buildSpec({
  project: 'shop',
  infra: [infraService('db', { containerName: 'shop_db' })],
  apps: [appService('api')],
  protect: ['shop_*_persistent', 'legacy-?'],
});

describe('matchesGlob', () => {
  it.each([
    ['shop_traefik_persistent', 'shop_*_persistent', true],
    ['shop__persistent', 'shop_*_persistent', true],
    ['shop_traefik_persistent_2', 'shop_*_persistent', false],
    ['legacy-1', 'legacy-?', true],
    ['legacy-12', 'legacy-?', false],
    ['a.b', 'a.b', true],
    ['axb', 'a.b', false],
    ['anything', '*', true],
  ])('%s against %s -> %s', (name, glob, expected) => {
    expect(matchesGlob(name, glob)).toBe(expected);
  });
});

describe('protectionOf', () => {
  it('GIVEN an infra container name WHEN anyone holds it THEN protected, saying which service', () => {
    expect(protectionOf(container('shop_db'), spec)).toEqual({
      protected: true,
      why: 'container name of infra service "db"',
    });
  });

  it('GIVEN a cleanup.protect match THEN protected, naming the glob', () => {
    expect(protectionOf(container('shop_proxy_persistent'), spec)).toEqual({
      protected: true,
      why: 'matches cleanup.protect "shop_*_persistent"',
    });
  });

  it('GIVEN a copy of an infra container renamed aside by apply THEN protected by its name alone', () => {
    expect(protectionOf(container('shop_db.replaced-20261123T080000Z'), spec)).toEqual({
      protected: true,
      why: 'renamed-aside copy of infra container shop_db',
    });
    expect(protectionOf(container('shop_api_d1.replaced-20261123T080000Z'), spec).protected).toBe(false);
  });

  it('GIVEN role=infra of this project, or role=infra without a project THEN protected; of another project THEN not', () => {
    expect(
      protectionOf(container('x', { labels: { [LABEL.project]: 'shop', [LABEL.role]: 'infra' } }), spec)
        .protected,
    ).toBe(true);
    expect(protectionOf(container('x', { labels: { [LABEL.role]: 'infra' } }), spec).protected).toBe(true);
    expect(protectionOf(container('x', { labels: foreignLabels('blog', 'infra') }), spec).protected).toBe(
      false,
    );
  });

  it('GIVEN an ordinary app container THEN not protected', () => {
    expect(protectionOf(managedContainer(spec, spec.apps.services[0]!, { deployId: 'd1' }), spec)).toEqual({
      protected: false,
    });
  });
});

describe('checkProtection', () => {
  const base = plan(spec, observedState());
  const withAction = (action: Partial<Action>, replace: string[] = []): Plan => ({
    ...base,
    replace,
    actions: [
      {
        kind: 'remove',
        resource: 'container',
        role: 'app',
        name: 'x',
        reason: 'expired_generation',
        detail: '',
        protected: false,
        phase: 'cleanup',
        changes: [],
        ...action,
      },
    ],
  });

  it("GIVEN the planner's own plan THEN no violation", () => {
    expect(checkProtection(base, spec, observedState())).toEqual([]);
  });

  it('GIVEN a stop of a container marked protected THEN protection_violation', () => {
    const b = checkProtection(
      withAction({ kind: 'stop', name: 'shop_db', protected: true }),
      spec,
      observedState(),
    );
    expect(b).toEqual([expect.objectContaining({ code: 'protection_violation', target: 'shop_db' })]);
    expect(b[0]!.message).toContain('nothing was changed');
  });

  it('GIVEN a remove not marked protected whose live target matches a protect glob THEN violation (the live object decides)', () => {
    const live = container('shop_edge_persistent', {
      labels: { [LABEL.project]: 'shop', [LABEL.role]: 'app' },
    });
    const b = checkProtection(
      withAction({ name: live.name, observed: { id: live.id, state: 'exited' } }),
      spec,
      observedState({ containers: [live] }),
    );
    expect(b.map((x) => x.code)).toEqual(['protection_violation']);
  });

  it('GIVEN a remove of an unmanaged or foreign container THEN violation', () => {
    const hand = container('shop_api_manual');
    const theirs = container('blog_api_1', { labels: foreignLabels('blog', 'app') });
    const observed = observedState({ containers: [hand, theirs] });
    expect(
      checkProtection(
        withAction({ name: hand.name, observed: { id: hand.id, state: 'exited' } }),
        spec,
        observed,
      ),
    ).toHaveLength(1);
    expect(
      checkProtection(
        withAction({ name: theirs.name, observed: { id: theirs.id, state: 'exited' } }),
        spec,
        observed,
      )[0]!.message,
    ).toContain('project blog');
  });

  it.each(['volume', 'network', 'dir'] as const)(
    'GIVEN any remove of a %s THEN violation, whatever its flags',
    (resource) => {
      expect(checkProtection(withAction({ resource, name: 'data' }), spec, observedState())).toHaveLength(1);
    },
  );

  it('GIVEN a replace of the infra container WHEN --replace names the service THEN allowed, otherwise a violation', () => {
    const live = managedContainer(spec, spec.infra.services[0]!);
    const observed = observedState({ containers: [live] });
    const replace = {
      kind: 'replace',
      role: 'infra',
      name: 'shop_db',
      service: 'db',
      protected: true,
      observed: { id: live.id, state: 'running' },
    } as const;
    expect(checkProtection(withAction(replace, ['db']), spec, observed)).toEqual([]);
    expect(checkProtection(withAction(replace, []), spec, observed)).toHaveLength(1);
    // Naming the service does not allow replacing a different container under its name.
    expect(
      checkProtection(withAction({ ...replace, name: 'shop_proxy_persistent' }, ['db']), spec, observed),
    ).toHaveLength(1);
  });
});
