import { describe, expect, it } from 'vitest';
import { ASIDE_NAME } from '../../../src/engine/labels.js';
import { APP_V2, DB, DB_IMAGE, DB_VOLUME, Harness, app, at, dbService, shopSpec } from './harness.js';

/** Records every start that would make two running containers share a named volume. */
function watchVolumeSharing(h: Harness): string[] {
  const violations: string[] = [];
  const start = h.engine.startContainer.bind(h.engine);
  h.engine.startContainer = async (id) => {
    const starting = h.engine.container(id);
    const volumes = (starting?.def.mounts ?? []).filter((m) => m.type === 'volume').map((m) => m.source);
    for (const other of h.engine.containers.values()) {
      if (other.id === starting?.id || other.state !== 'running') continue;
      const shared = other.def.mounts.filter((m) => m.type === 'volume' && volumes.includes(m.source));
      if (shared.length > 0)
        violations.push(`${starting?.name ?? id} started while ${other.name} runs on ${shared[0]?.source}`);
    }
    return start(id);
  };
  return violations;
}

describe('--replace of an infra container', () => {
  it('GIVEN a running db WHEN apply --replace db THEN the old one is renamed aside and stopped BEFORE the new one starts, on the same volume, then dropped', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const oldId = h.idOf(DB)!;
    const apps = [app('backend', 'd1'), app('frontend', 'd1')].map((n) => h.idOf(n));
    const sharing = watchVolumeSharing(h);
    const mark = h.mark();

    const outcome = await h.deploy(shopSpec(), 'd1', { replace: ['db'] });

    expect(outcome.status).toBe('applied');
    const events = h.events(mark);
    const rename = events.find((e) => e.startsWith(`rename ${DB} -> ${DB}.replaced-`));
    expect(rename).toBeDefined();
    const asideName = rename!.split(' -> ')[1]!;
    expect(asideName).toMatch(ASIDE_NAME);
    // Creates: the lock, then the new db; starts: only the new db.
    const renameAt = at(events, rename!);
    const stopOld = at(events, `stop ${DB}`);
    const createNew = events.lastIndexOf(`create ${DB}`);
    const startNew = events.lastIndexOf(`start ${DB}`);
    expect(renameAt).toBeLessThan(stopOld);
    expect(stopOld).toBeLessThan(createNew);
    expect(createNew).toBeLessThan(startNew);
    expect(sharing).toEqual([]);
    // The new container has the old name and the same data volume; the old one is gone.
    const fresh = h.engine.container(DB)!;
    expect(fresh.id).not.toBe(oldId);
    expect(fresh.state).toBe('running');
    expect(fresh.def.mounts).toEqual([
      { type: 'volume', source: DB_VOLUME, target: '/var/lib/postgresql/data', readOnly: false },
    ]);
    expect(h.engine.container(oldId)).toBeUndefined();
    expect(h.engine.container(asideName)).toBeUndefined();
    // Dropping the old copy keeps its anonymous volumes: infra data is never removed.
    const dropOld = h.callsSince(mark).find((c) => c.method === 'removeContainer' && c.args[0] === oldId);
    expect(dropOld?.args[1]).toMatchObject({ removeAnonymousVolumes: false });
    expect(h.engine.volumes.has(DB_VOLUME)).toBe(true);
    // Apps untouched.
    expect([app('backend', 'd1'), app('frontend', 'd1')].map((n) => h.idOf(n))).toEqual(apps);
    if (outcome.status === 'applied') {
      expect(outcome.result.replaced).toEqual([DB]);
      expect(outcome.result.removed).toEqual([asideName]);
    }
  });

  it('GIVEN --replace db WHEN the new db never gets healthy THEN the original is renamed back, restarted, and the new one removed', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const oldId = h.idOf(DB)!;
    const sharing = watchVolumeSharing(h);
    // The knob follows the name: the NEW shop_db is unhealthy (the old one is renamed aside by then).
    const start = h.engine.startContainer.bind(h.engine);
    h.engine.startContainer = async (id) => {
      if (id !== oldId && h.engine.container(id)?.name === DB) h.engine.unhealthy(DB, 'no response');
      return start(id);
    };

    const err = await h.deployFails(shopSpec(), 'd1', { replace: ['db'] });

    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.message).toContain(`db (${DB}) was marked unhealthy`);
    expect(err.message).toContain(`Rolled back: put back ${DB}.`);
    expect(err.message).toContain(`The original ${DB} is back; other infrastructure was not touched.`);
    expect(err.message).not.toContain('Infrastructure was not touched');
    expect(h.idOf(DB)).toBe(oldId);
    expect(h.stateOf(DB)).toBe('running');
    expect([...h.engine.containers.values()].filter((c) => ASIDE_NAME.test(c.name))).toEqual([]);
    expect([...h.engine.containers.values()].filter((c) => c.name === DB)).toHaveLength(1);
    expect(sharing).toEqual([]);
  });

  it('GIVEN --replace db WHEN creating the new container fails THEN the original is put back and running', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const oldId = h.idOf(DB)!;
    const { EngineError } = await import('../../../src/engine/engine-error.js');
    h.engine.failOn(
      'createContainer',
      new EngineError('other', 'could not create container shop_db: no space left'),
      {
        when: (def) => (def as { name: string }).name === DB,
      },
    );
    const err = await h.deployFails(shopSpec(), 'd1', { replace: ['db'] });
    expect(err.message).toContain('no space left');
    expect(err.message).toContain(`put back ${DB}`);
    expect(h.idOf(DB)).toBe(oldId);
    expect(h.stateOf(DB)).toBe('running');
  });

  it('GIVEN a db that drifted from the spec WHEN apply runs without --replace THEN the drift is only reported and the db is not touched', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const oldId = h.idOf(DB)!;
    h.engine.addImage('postgres:16');
    const drifted = shopSpec({ infra: [dbService({ image: 'postgres:16' })], image: APP_V2 });
    const mark = h.mark();
    const outcome = await h.deploy(drifted, 'd2');
    expect(outcome.status).toBe('applied');
    const drift = outcome.plan.actions.find((a) => a.name === DB && a.kind === 'drift');
    expect(drift).toMatchObject({ protected: true, reason: 'image_changed' });
    expect(drift?.detail).toContain('--replace db');
    expect(h.events(mark).filter((e) => e.includes(DB))).toEqual([]);
    expect(h.idOf(DB)).toBe(oldId);
    expect(h.engine.container(DB)?.def.image).toBe(DB_IMAGE);
  });

  it('GIVEN --replace naming an app or an unknown service WHEN apply starts THEN it refuses before taking the lock', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const mark = h.mark();
    const err = await h.deployFails(shopSpec(), 'd1', { replace: ['backend'] });
    expect(err.code).toBe('BAD_ARGUMENT');
    expect(err.message).toContain('--replace names "backend", which is not an infra service of shop');
    expect(h.events(mark)).toEqual([]);
  });
});
