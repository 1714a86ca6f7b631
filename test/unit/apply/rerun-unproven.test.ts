import { describe, expect, it } from 'vitest';
import { APP_V2, DB, Harness, app, shopSpec } from './harness.js';

/**
 * A re-run after `kill -9` of an apply that was waiting for its new generation's health: the
 * killed run left d2 running, unproven, beside the serving d1 (seeded here as it left them).
 */
async function killedWhileWaiting(): Promise<{ h: Harness; d1: Record<string, string | undefined> }> {
  const h = new Harness();
  await h.deploy(shopSpec(), 'd1');
  const d1 = Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]));
  h.seedGeneration(
    shopSpec({ image: APP_V2, apps: [shopSpec({ image: APP_V2 }).apps.services[0]!] }),
    'd2',
    'running',
  );
  return { h, d1 };
}

describe('apply re-run after a kill during the health wait', () => {
  it('GIVEN d2 left running unhealthy beside d1 WHEN the same apply runs again THEN it waits, fails, removes d2 and d1 keeps serving (exit 1)', async () => {
    const { h, d1 } = await killedWhileWaiting();
    h.engine.setHealthSequence(app('backend', 'd2'), ['unhealthy'], 'connection refused');

    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');

    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(`backend (${app('backend', 'd2')}) was marked unhealthy`);
    expect(err.message).toContain(`Rolled back: removed ${app('backend', 'd2')}.`);
    expect(err.message).toContain(
      `Serving now: untouched ${app('backend', 'd1')}, ${app('frontend', 'd1')}.`,
    );
    expect(h.names().filter((n) => n.endsWith('_d2'))).toEqual([]);
    expect(Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]))).toEqual(d1);
  });

  it('GIVEN d2 left running and still starting WHEN the same apply runs again and it turns healthy THEN d2 serves, frontend is created, d1 retired', async () => {
    const { h } = await killedWhileWaiting();
    h.engine.setHealthSequence(app('backend', 'd2'), ['starting', 'starting', 'healthy']);
    const adopted = h.idOf(app('backend', 'd2'));

    const outcome = await h.deploy(shopSpec({ image: APP_V2 }), 'd2');

    expect(outcome.status).toBe('applied');
    expect(h.idOf(app('backend', 'd2'))).toBe(adopted);
    expect(h.names('running')).toEqual([app('backend', 'd2'), DB, app('frontend', 'd2')]);
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
  });

  it('GIVEN d2 promoted (d1 stopped) and later unhealthy WHEN the same apply runs again THEN exit 1 and d2 is NOT removed, the message says so', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    await h.deploy(shopSpec({ image: APP_V2 }), 'd2');
    const d2 = h.idOf(app('backend', 'd2'));
    h.engine.setHealthSequence(app('backend', 'd2'), ['unhealthy']);
    h.engine.container(app('backend', 'd2'))!.healthIndex = 0; // its healthcheck starts failing now
    const mark = h.mark();

    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');

    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('was marked unhealthy');
    expect(err.message).toContain(
      `${app('backend', 'd2')} is not healthy but left running, not removed: generation d2 is the only one serving.`,
    );
    expect(err.message).toContain(
      `Serving now: untouched ${app('backend', 'd2')} (not healthy), ${app('frontend', 'd2')}.`,
    );
    expect(h.idOf(app('backend', 'd2'))).toBe(d2);
    expect(h.stateOf(app('backend', 'd2'))).toBe('running');
    expect(h.events(mark).filter((e) => !e.includes('deployctl-lock'))).toEqual([]);
  });

  it('GIVEN a kept d1 brought back by a killed apply --deploy-id d1 (d2 still serving) WHEN the re-run finds it unhealthy THEN it is stopped again, never removed', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    await h.deploy(shopSpec({ image: APP_V2 }), 'd2');
    const d1 = [h.idOf(app('backend', 'd1')), h.idOf(app('frontend', 'd1'))];
    // What the killed run left: d1 started again, not yet proven, beside the serving d2.
    await h.engine.startContainer(app('backend', 'd1'));
    h.engine.setHealthSequence(app('backend', 'd1'), ['unhealthy']);

    const err = await h.deployFails(shopSpec(), 'd1');

    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(`Rolled back: stopped again ${app('backend', 'd1')}.`);
    expect(err.message).toContain(
      `Serving now: untouched ${app('backend', 'd2')}, ${app('frontend', 'd2')}.`,
    );
    expect([h.idOf(app('backend', 'd1')), h.idOf(app('frontend', 'd1'))]).toEqual(d1);
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
    expect(h.names('running')).toEqual([app('backend', 'd2'), DB, app('frontend', 'd2')]);
  });
});
