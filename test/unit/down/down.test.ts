import { describe, expect, it } from 'vitest';
import { takeDown, type DownOptions } from '../../../src/down/down.js';
import type { DeployctlError } from '../../../src/errors.js';
import { readEvents } from '../../../src/events/run-events.js';
import { readLedger } from '../../../src/revisions/ledger.js';
import { makeRecorder } from '../../../src/revisions/recorder.js';
import { ProjectStore } from '../../../src/revisions/store.js';
import type { Spec } from '../../../src/spec/model.js';
import { app, DB, DB_VOLUME, Harness, NET, PROJECT, shopSpec } from '../apply/harness.js';

/** The shop stack after two applies: db running, d1 kept (exited), d2 live. */
async function running(): Promise<{ h: Harness; spec: Spec; store: ProjectStore }> {
  const h = new Harness();
  const spec = shopSpec();
  await h.deploy(spec, 'd1');
  await h.deploy(spec, 'd2');
  expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
  return { h, spec, store: new ProjectStore(h.engine, PROJECT) };
}

/** The project's containers but deployctl's own state store. */
const names = (h: Harness): string[] => h.names().filter((n) => !n.endsWith('.deployctl-state'));

function down(h: Harness, spec: Spec, store: ProjectStore | undefined, opts: Partial<DownOptions> = {}) {
  let t = Date.UTC(2026, 0, 2);
  const recorder = store
    ? makeRecorder({
        store,
        project: PROJECT,
        who: { by: 'ops@host' },
        keep: 100,
        now: () => (t += 1000),
        mask: (s) => s,
        warn: () => undefined,
      })
    : undefined;
  return takeDown(
    {
      spec,
      includeInfra: false,
      autoApprove: true,
      lockTimeoutMs: 0,
      holder: h.holder('-'),
      lock: h.lockSettings(),
      ...opts,
    },
    {
      engine: h.engine,
      io: h.io,
      clock: h.clock,
      signal: h.controller.signal,
      ...(recorder ? { recorder } : {}),
    },
  );
}

describe('takeDown on the fake engine', () => {
  it('stops and removes every app generation with its grace period, keeps infra, volume, network; records a down revision', async () => {
    const { h, spec, store } = await running();
    const mark = h.mark();
    const outcome = await down(h, spec, store);
    expect(outcome.status).toBe('done');
    const events = h
      .events(mark)
      .filter((e) => !e.includes('deployctl-lock') && !e.includes('deployctl-state'));
    // Dependents first: every frontend container before any backend one; stopped ones only removed.
    const changes = events.filter((e) => e.startsWith('stop') || e.startsWith('remove'));
    expect(changes.slice(0, 3).sort()).toEqual([
      `remove ${app('frontend', 'd1')}`,
      `remove ${app('frontend', 'd2')}`,
      `stop ${app('frontend', 'd2')}`,
    ]);
    expect(changes.slice(3).sort()).toEqual([
      `remove ${app('backend', 'd1')}`,
      `remove ${app('backend', 'd2')}`,
      `stop ${app('backend', 'd2')}`,
    ]);
    expect(changes.indexOf(`stop ${app('frontend', 'd2')}`)).toBeLessThan(
      changes.indexOf(`remove ${app('frontend', 'd2')}`),
    );
    const stops = h.engine.callsOf('stopContainer').slice(-2);
    expect(stops.map((c) => c[1])).toEqual([10_000, 10_000]);
    expect(names(h)).toEqual([DB]);
    expect(h.stateOf(DB)).toBe('running');
    expect(h.engine.volumes.has(DB_VOLUME)).toBe(true);
    expect(h.engine.networks.has(NET)).toBe(true);
    expect(h.engine.container(`${PROJECT}.deployctl-lock`)).toBeUndefined();

    const [rev] = await readLedger(store);
    expect([rev?.kind, rev?.result, rev?.deploy_id]).toEqual(['down', 'succeeded', 'd2']);
    const evs = (await readEvents(store)).map((e) => `${e.event}${e.container ? ` ${e.container}` : ''}`);
    expect(evs[0]).toBe('down.started');
    expect(evs.at(-1)).toBe('down.succeeded');
    expect(evs).toContain(`container.terminating ${app('backend', 'd2')}`);
    expect(evs).toContain(`container.terminated ${app('backend', 'd2')}`);
    expect(evs).toContain(`container.cleaned_up ${app('backend', 'd1')}`);
    expect(evs).not.toContain(`container.terminating ${app('backend', 'd1')}`);
  });

  it('with includeInfra stops the db after the apps, never removes it, and a second run has nothing to do', async () => {
    const { h, spec, store } = await running();
    const dbId = h.idOf(DB);
    await down(h, spec, store, { includeInfra: true });
    const changes = h.events().filter((e) => /^(stop|remove) shop_/.test(e));
    expect(changes.at(-1)).toBe(`stop ${DB}`);
    expect(changes.filter((e) => e.includes(DB))).toEqual([`stop ${DB}`]);
    expect([h.idOf(DB), h.stateOf(DB)]).toEqual([dbId, 'exited']);
    const mark = h.mark();
    const again = await down(h, spec, store, { includeInfra: true });
    expect(again.status).toBe('nothing_to_do');
    expect(h.mutationsSince(mark)).toEqual([]);
  });

  it('uses the spec grace period per service', async () => {
    const { h } = await running();
    const spec = shopSpec();
    spec.apps.services[0]!.stopGracePeriodMs = 25_000; // backend
    await down(h, spec, undefined);
    const byName = h.engine.callsOf('stopContainer').slice(-2);
    expect(byName.map((c) => c[1]).sort()).toEqual([10_000, 25_000]);
  });

  it('asks first and changes nothing when not confirmed', async () => {
    const { h, spec } = await running();
    h.io = new (h.io.constructor as new (answer: boolean) => typeof h.io)(false);
    const mark = h.mark();
    const err = await down(h, spec, undefined, { autoApprove: false }).catch((e: unknown) => e);
    expect((err as DeployctlError).code).toBe('NOT_CONFIRMED');
    expect(h.events(mark).filter((e) => !e.includes('deployctl-lock'))).toEqual([]);
    expect(h.engine.container(`${PROJECT}.deployctl-lock`)).toBeUndefined();
  });

  it('stops after the current wave on Ctrl+C, recorded as interrupted; a re-run finishes', async () => {
    const { h, spec, store } = await running();
    const stop = h.engine.stopContainer.bind(h.engine);
    h.engine.stopContainer = async (id, ms) => {
      await stop(id, ms);
      h.controller.abort();
    };
    const err = await down(h, spec, store).catch((e: unknown) => e);
    expect((err as DeployctlError).code).toBe('INTERRUPTED');
    expect((err as DeployctlError).exitCode).toBe(130);
    expect((err as DeployctlError).message).toContain(
      `not yet taken down: ${app('backend', 'd1')}, ${app('backend', 'd2')}`,
    );
    expect(names(h)).toEqual([DB, app('backend', 'd1'), app('backend', 'd2')].sort());
    expect((await readLedger(store))[0]?.result).toBe('interrupted');

    h.controller = new AbortController();
    h.engine.stopContainer = stop;
    expect((await down(h, spec, store)).status).toBe('done');
    expect(names(h)).toEqual([DB]);
  });

  it('takes a container already gone meanwhile as done', async () => {
    const { h, spec } = await running();
    // Removed by hand between the plan and the stop: the engine answers 404.
    const stop = h.engine.stopContainer.bind(h.engine);
    h.engine.stopContainer = async (id, ms) => {
      await h.engine.removeContainer(id, { force: true });
      await stop(id, ms);
    };
    const outcome = await down(h, spec, undefined);
    expect(outcome.status).toBe('done');
    expect(outcome.status === 'done' && outcome.result.stopped).toEqual([]);
    expect(names(h)).toEqual([DB]);
  });

  it('waits for a lock held by another run and fails with LOCK_HELD, changing nothing', async () => {
    const { h, spec } = await running();
    const other = await h.holdLock('d9');
    const mark = h.mark();
    const err = await down(h, spec, undefined).catch((e: unknown) => e);
    expect((err as DeployctlError).code).toBe('LOCK_HELD');
    expect(h.mutationsSince(mark).filter((c) => c.method !== 'createContainer')).toEqual([]);
    await other.release();
  });
});
