import { describe, expect, it } from 'vitest';
import { canonicalImageRef } from '../../../src/spec/image-ref.js';
import { APP_V2, DB, Harness, NET, app, backend, frontend, shopSpec } from './harness.js';

/** d1 deployed and serving; returns the ids of everything that runs. */
async function serving(h: Harness): Promise<Record<string, string | undefined>> {
  await h.deploy(shopSpec(), 'd1');
  return Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]));
}

describe('rollback when the new generation fails', () => {
  it('GIVEN d1 serving WHEN d2 frontend turns unhealthy THEN d2 is removed, d1 serves untouched and is named, infra untouched', async () => {
    const h = new Harness();
    const before = await serving(h);
    h.engine.unhealthy(app('frontend', 'd2'), 'wget: can not connect to remote host: Connection refused');
    const mark = h.mark();

    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');

    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(`frontend (${app('frontend', 'd2')}) was marked unhealthy`);
    expect(err.message).toContain('Connection refused');
    expect(err.message).toContain(`Rolled back: removed ${app('frontend', 'd2')}, ${app('backend', 'd2')}.`);
    expect(err.message).toContain(
      `Serving now: untouched ${app('backend', 'd1')}, ${app('frontend', 'd1')}.`,
    );
    expect(err.message).toContain('Infrastructure was not touched.');
    // The new generation is gone, the old one runs as the same containers, the db too.
    expect(h.names()).toEqual([app('backend', 'd1'), app('frontend', 'd1'), DB].sort());
    expect(Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]))).toEqual(before);
    // Nothing was done to the previous generation or to infra: only d2 was created and removed.
    const touched = h.events(mark).filter((e) => !e.includes('deployctl-lock'));
    expect(touched.every((e) => e.includes('_d2'))).toBe(true);
    expect(h.io.steps.at(-1)).toMatchObject({ title: 'Rolling back the new generation', ok: true });
  });

  it('GIVEN d1 serving WHEN d2 backend exits at start THEN frontend is never created and d1 serves', async () => {
    const h = new Harness();
    const before = await serving(h);
    h.engine.failStart(app('backend', 'd2'), 1, 'panic: cannot connect to db');
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');
    expect(err.message).toContain(`backend (${app('backend', 'd2')}) exited with code 1.`);
    expect(err.message).toContain('panic: cannot connect to db');
    expect(err.message).toContain(`Rolled back: removed ${app('backend', 'd2')}.`);
    expect(Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]))).toEqual(before);
    expect(h.names()).not.toContain(app('frontend', 'd2'));
  });

  it('GIVEN the same deploy id with a changed app WHEN the replacement is unhealthy THEN the originals are put back under their names and restarted', async () => {
    const h = new Harness();
    const before = await serving(h);
    h.engine.unhealthy(app('backend', 'd1'));
    const changed = shopSpec({
      apps: [backend(undefined, { environment: { LOG_LEVEL: 'debug' } }), frontend()],
    });

    const err = await h.deployFails(changed, 'd1');

    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.message).toContain(`Rolled back: put back ${app('backend', 'd1')}.`);
    expect(err.message).toContain(
      `Serving now: untouched ${app('frontend', 'd1')}; put back ${app('backend', 'd1')}.`,
    );
    expect(h.idOf(app('backend', 'd1'))).toBe(before[app('backend', 'd1')]);
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    // No copy left aside, no replacement left behind.
    expect(h.names()).toEqual([app('backend', 'd1'), app('frontend', 'd1'), DB].sort());
    expect(h.idOf(DB)).toBe(before[DB]);
  });

  it('GIVEN a replace whose new container is already gone (not_found) WHEN rolling back THEN the original is still renamed back and started', async () => {
    const h = new Harness();
    const before = await serving(h);
    h.engine.unhealthy(app('backend', 'd1'));
    const { EngineError } = await import('../../../src/engine/engine-error.js');
    const remove = h.engine.removeContainer.bind(h.engine);
    const original = before[app('backend', 'd1')];
    // The replacement vanishes under the rollback's feet (removed by someone, or by the engine).
    h.engine.removeContainer = async (id, opts) => {
      if (h.engine.container(id)?.name !== app('backend', 'd1') || id === original) return remove(id, opts);
      await remove(id, opts);
      throw new EngineError('not_found', `No such container: ${id}`);
    };
    const changed = shopSpec({
      apps: [backend(undefined, { environment: { LOG_LEVEL: 'debug' } }), frontend()],
    });

    const err = await h.deployFails(changed, 'd1');

    expect(err.message).toContain(`Rolled back: put back ${app('backend', 'd1')}.`);
    expect(err.message).not.toContain('Could NOT undo');
    expect(h.idOf(app('backend', 'd1'))).toBe(original);
    expect(h.stateOf(app('backend', 'd1'))).toBe('running');
    expect(h.names()).toEqual([app('backend', 'd1'), app('frontend', 'd1'), DB].sort());
  });

  it('GIVEN a replace whose renamed-aside original is gone WHEN rolling back THEN the message says it could NOT be put back', async () => {
    const h = new Harness();
    await serving(h);
    h.engine.unhealthy(app('backend', 'd1'));
    const original = h.idOf(app('backend', 'd1'))!;
    const stop = h.engine.stopContainer.bind(h.engine);
    // Someone removes the aside copy right after the replace stopped it.
    h.engine.stopContainer = async (id, ms) => {
      await stop(id, ms);
      if (id === original) await h.engine.removeContainer(id, { force: true, removeAnonymousVolumes: true });
    };
    const changed = shopSpec({
      apps: [backend(undefined, { environment: { LOG_LEVEL: 'debug' } }), frontend()],
    });

    const err = await h.deployFails(changed, 'd1');

    expect(err.message).toMatch(
      new RegExp(
        `Could NOT undo: could not put ${app('backend', 'd1')} back: the original \\(renamed aside to ${app('backend', 'd1')}\\.replaced-\\w+\\) is gone\\.`,
      ),
    );
    expect(err.message).not.toContain(`put back ${app('backend', 'd1')}`);
  });

  it('GIVEN a first deploy that fails WHEN rolling back THEN the infrastructure it created stays and the message says so', async () => {
    const h = new Harness();
    h.engine.unhealthy(app('backend', 'd1'));
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.message).toContain('No app container was running before this apply.');
    expect(err.message).toContain(
      `Infrastructure created by this run stays (it is persistent): ${NET}, ${DB}`,
    );
    expect(h.names()).toEqual([DB]);
    expect(h.stateOf(DB)).toBe('running');
    expect(h.engine.networks.has(NET)).toBe(true);
  });

  it('GIVEN an image that cannot be pulled WHEN deploying THEN it fails before any container changes, saying what serves', async () => {
    const h = new Harness();
    const before = await serving(h);
    h.engine.images.delete(canonicalImageRef(APP_V2)); // not local, and the registry does not have it
    const mark = h.mark();
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');
    expect(err.code).toBe('IMAGE_UNAVAILABLE');
    expect(err.message).toContain(`could not pull 1 image(s); nothing was changed`);
    expect(err.message).toContain(`manifest for ${APP_V2} not found`);
    expect(err.message).toContain(
      `Serving now: untouched ${app('backend', 'd1')}, ${app('frontend', 'd1')}.`,
    );
    expect(h.events(mark).filter((e) => !e.includes('deployctl-lock'))).toEqual([`pull ${APP_V2}`]);
    expect(Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]))).toEqual(before);
  });

  it('GIVEN a rollback step that fails WHEN rolling back THEN the message says what could NOT be undone', async () => {
    const h = new Harness();
    await serving(h);
    h.engine.unhealthy(app('backend', 'd2'));
    const { EngineError } = await import('../../../src/engine/engine-error.js');
    h.engine.failOn('removeContainer', new EngineError('other', 'engine busy'), {
      when: (id) => h.engine.container(String(id))?.name === app('backend', 'd2'),
    });
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');
    expect(err.message).toContain(
      `Could NOT undo: could not remove new container ${app('backend', 'd2')}: engine busy.`,
    );
  });

  it('GIVEN a kept generation redeployed by its id WHEN it fails its healthcheck THEN it is stopped again, and the serving one is untouched', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    await h.deploy(shopSpec({ image: APP_V2 }), 'd2');
    const d2 = [h.idOf(app('backend', 'd2')), h.idOf(app('frontend', 'd2'))];
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
    h.engine.unhealthy(app('backend', 'd1'));

    const err = await h.deployFails(shopSpec(), 'd1');

    expect(err.message).toContain(`Rolled back: stopped again ${app('backend', 'd1')}.`);
    expect(err.message).toContain(
      `Serving now: untouched ${app('backend', 'd2')}, ${app('frontend', 'd2')}.`,
    );
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
    expect(h.stateOf(app('frontend', 'd1'))).toBe('exited');
    expect([h.idOf(app('backend', 'd2')), h.idOf(app('frontend', 'd2'))]).toEqual(d2);
    expect(h.names('running')).toEqual([app('backend', 'd2'), DB, app('frontend', 'd2')]);
  });

  it('GIVEN a kept generation redeployed by its id WHEN it is healthy THEN it serves again and the other is stopped (rollback by deploy id)', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const d1 = h.idOf(app('backend', 'd1'));
    await h.deploy(shopSpec({ image: APP_V2 }), 'd2');
    const outcome = await h.deploy(shopSpec(), 'd1');
    expect(outcome.status).toBe('applied');
    expect(h.idOf(app('backend', 'd1'))).toBe(d1);
    expect(h.names('running')).toEqual([app('backend', 'd1'), DB, app('frontend', 'd1')]);
    expect(h.stateOf(app('backend', 'd2'))).toBe('exited');
  });

  it('GIVEN a failure that prints log lines WHEN reporting THEN the paragraph after them starts on its own line', async () => {
    const h = new Harness();
    await serving(h);
    h.engine.failStart(app('backend', 'd2'), 1, 'starting\nfatal: boom\n');
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');
    expect(err.message).toContain(
      `Last log lines:\n    starting\n    fatal: boom\nRolled back: removed ${app('backend', 'd2')}.`,
    );
  });

  it('GIVEN a stopped db that apply starts WHEN the new generation then fails THEN the db stays up and the message says so', async () => {
    const h = new Harness();
    await serving(h);
    await h.engine.stopContainer(DB, 0);
    h.engine.unhealthy(app('backend', 'd2'));
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');
    expect(err.message).toContain(
      `Infrastructure started by this run stays up: ${DB}; other infrastructure was not touched.`,
    );
    expect(h.stateOf(DB)).toBe('running');
  });
});
