/**
 * `deployctl rollback` against the in-memory engine: the kept containers themselves come back
 * (their own image and environment, not the spec's), health-gated; a failure stops them again
 * while the current generation keeps serving; refusals change nothing; the run is recorded as
 * a `rollback` revision with its events; infrastructure is never touched.
 */
import { describe, expect, it } from 'vitest';
import { deploy } from '../../../src/apply/deploy.js';
import { DeployctlError } from '../../../src/errors.js';
import { readLedger } from '../../../src/revisions/ledger.js';
import { makeRecorder } from '../../../src/revisions/recorder.js';
import { readHistory } from '../../../src/revisions/history.js';
import { ProjectStore } from '../../../src/revisions/store.js';
import { rollback, type RollbackOptions } from '../../../src/rollback/rollback.js';
import type { Spec } from '../../../src/spec/model.js';
import { APP_V1, APP_V2, DB, Harness, PROJECT, app, backend, frontend, shopSpec } from '../apply/harness.js';

const LOCK = (e: string): boolean => !e.includes('deployctl-lock') && !e.includes('deployctl-state');

function specWith(image: string, level: string): Spec {
  return shopSpec({
    apps: [backend(image, { environment: { LOG_LEVEL: level } }), frontend(image)],
  });
}

class RollbackHarness extends Harness {
  readonly store = new ProjectStore(this.engine, PROJECT);
  readonly recorder = makeRecorder({
    store: this.store,
    project: PROJECT,
    who: { by: 'test@host' },
    keep: 100,
    now: () => this.clock.now(),
    mask: (t) => t,
  });

  async applyRecorded(spec: Spec, deployId: string): Promise<void> {
    await deploy(
      {
        spec,
        deployId,
        deployIdGenerated: false,
        replace: [],
        autoApprove: true,
        lockTimeoutMs: 0,
        holder: this.holder(deployId),
        lock: this.lockSettings(),
      },
      { engine: this.engine, io: this.io, clock: this.clock, recorder: this.recorder },
    );
  }

  rollback(spec: Spec, opts: Partial<RollbackOptions> = {}) {
    return rollback(
      {
        spec,
        autoApprove: true,
        lockTimeoutMs: 0,
        holder: this.holder('-'),
        ...opts,
        lock: this.lockSettings(),
      },
      {
        engine: this.engine,
        io: this.io,
        clock: this.clock,
        signal: this.controller.signal,
        recorder: this.recorder,
      },
    );
  }

  async rollbackFails(spec: Spec, opts: Partial<RollbackOptions> = {}): Promise<DeployctlError> {
    const err = await this.rollback(spec, opts).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof DeployctlError)) throw new Error(`expected a DeployctlError, got ${String(err)}`);
    return err;
  }

  state(name: string): string | undefined {
    return this.engine.container(name)?.state;
  }
}

async function twoGenerations(): Promise<RollbackHarness> {
  const h = new RollbackHarness();
  await h.applyRecorded(specWith(APP_V1, 'info'), 'd1');
  await h.applyRecorded(specWith(APP_V2, 'debug'), 'd2');
  return h;
}

describe('rollback core', () => {
  it('GIVEN d1 ran with restart: unless-stopped WHEN rolled back to THEN it gets that policy back before it starts (retire had set no)', async () => {
    const h = new RollbackHarness();
    const withRestart = (image: string): Spec =>
      shopSpec({ apps: [backend(image, { restart: 'unless-stopped' }), frontend(image)] });
    await h.applyRecorded(withRestart(APP_V1), 'd1');
    await h.applyRecorded(specWith(APP_V2, 'debug'), 'd2');
    expect((await h.engine.inspectContainer(app('backend', 'd1')))!.restartPolicy).toBe('no');
    const mark = h.mark();
    await h.rollback(specWith(APP_V2, 'debug'));
    const events = h.events(mark).filter(LOCK);
    expect(events.indexOf(`restart unless-stopped ${app('backend', 'd1')}`)).toBeGreaterThanOrEqual(0);
    expect(events.indexOf(`restart unless-stopped ${app('backend', 'd1')}`)).toBeLessThan(
      events.indexOf(`start ${app('backend', 'd1')}`),
    );
    expect((await h.engine.inspectContainer(app('backend', 'd1')))!.restartPolicy).toBe('unless-stopped');
    // The frontend ran without a policy: nothing to restore.
    expect(events.some((e) => e.startsWith('restart') && e.endsWith(app('frontend', 'd1')))).toBe(false);
  });

  it('GIVEN d1 then d2 WHEN rolling back THEN the kept d1 containers themselves run again, d2 is stopped and kept, infra untouched', async () => {
    const h = await twoGenerations();
    const d1Backend = h.engine.container(app('backend', 'd1'))!;
    const mark = h.mark();
    const outcome = await h.rollback(specWith(APP_V2, 'debug'));
    expect(outcome.status).toBe('rolled_back');
    expect(outcome.target.deployId).toBe('d1');
    // Started, never created: the same container, with its own image id and environment.
    expect(h.events(mark).filter(LOCK)).toEqual([
      `start ${app('backend', 'd1')}`,
      `start ${app('frontend', 'd1')}`,
      // Retired and kept: restart policy `no` first, so a reboot leaves d2 down.
      expect.stringMatching(/^restart no shop_(backend|frontend)_d2$/),
      expect.stringMatching(/^restart no shop_(backend|frontend)_d2$/),
      expect.stringMatching(/^stop shop_(backend|frontend)_d2$/),
      expect.stringMatching(/^stop shop_(backend|frontend)_d2$/),
    ]);
    const now = h.engine.container(app('backend', 'd1'))!;
    expect(now.id).toBe(d1Backend.id);
    expect(now.def.env).toMatchObject({ LOG_LEVEL: 'info' });
    expect(now.imageId).toBe(h.engine.images.get(APP_V1)!.id);
    expect(h.state(app('backend', 'd2'))).toBe('exited');
    expect(h.state(DB)).toBe('running');
    expect(outcome.status === 'rolled_back' && outcome.result.kept).toEqual(
      expect.arrayContaining([app('backend', 'd2'), app('frontend', 'd2')]),
    );

    const [rev] = await readLedger(h.store);
    expect(rev).toMatchObject({
      number: 3,
      kind: 'rollback',
      deploy_id: 'd1',
      previous_deploy_id: 'd2',
      result: 'succeeded',
      summary: 'rollback to d1',
    });
    expect(rev!.services.find((s) => s.service === 'backend')).toMatchObject({
      role: 'app',
      container: app('backend', 'd1'),
      image_id: h.engine.images.get(APP_V1)!.id,
    });
  });

  it('GIVEN a rollback to d1 WHEN rolling back with no id again THEN it walks further back, never forward', async () => {
    const h = new RollbackHarness();
    await h.applyRecorded(specWith(APP_V1, 'a'), 'd0');
    await h.applyRecorded(specWith(APP_V1, 'b'), 'd1');
    await h.applyRecorded(specWith(APP_V2, 'c'), 'd2');
    expect((await h.rollback(specWith(APP_V2, 'c'))).target.deployId).toBe('d1');
    expect((await h.rollback(specWith(APP_V2, 'c'))).target.deployId).toBe('d0');
    expect(h.state(app('backend', 'd0'))).toBe('running');
    // Rolling forward names the id.
    expect((await h.rollback(specWith(APP_V2, 'c'), { deployId: 'd2' })).target.deployId).toBe('d2');
    expect(h.state(app('backend', 'd2'))).toBe('running');
    expect(h.state(app('backend', 'd0'))).toBe('exited');
  });

  it('GIVEN a target that fails its health gate WHEN rolling back THEN it is stopped again and d2 keeps serving', async () => {
    const h = await twoGenerations();
    h.engine.unhealthy(app('backend', 'd1'));
    const err = await h.rollbackFails(specWith(APP_V2, 'debug'));
    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.message).toContain(`stopped again ${app('backend', 'd1')}`);
    expect(err.message).toContain('The current generation keeps serving, untouched');
    expect(h.state(app('backend', 'd1'))).toBe('exited');
    expect(h.state(app('frontend', 'd1'))).toBe('exited'); // never started: its level never came
    expect(h.state(app('backend', 'd2'))).toBe('running');
    expect(h.state(app('frontend', 'd2'))).toBe('running');
    expect((await readLedger(h.store))[0]).toMatchObject({ kind: 'rollback', result: 'failed' });
  });

  it('GIVEN refusals WHEN the id is unknown, the target pruned or its image gone THEN nothing changes and nothing is recorded', async () => {
    const h = await twoGenerations();
    const before = (await readLedger(h.store)).length;
    const mark = h.mark();
    const unknown = await h.rollbackFails(specWith(APP_V2, 'debug'), { deployId: 'nope' });
    expect(unknown.code).toBe('ROLLBACK_UNAVAILABLE');
    expect(unknown.message).toMatch(/no revision with deploy id nope.*can be rolled back to: d1/);

    h.engine.images.delete(APP_V1);
    const gone = await h.rollbackFails(specWith(APP_V2, 'debug'));
    expect(gone.message).toMatch(/image is gone from the engine: registry.example.com\/shop\/app:v1/);
    // history says the same, before anyone tries.
    const listed = await readHistory(h.engine, h.store, PROJECT, 100);
    expect(listed.revisions.find((r) => r.deploy_id === 'd1')!.rollback).toEqual({
      available: false,
      why: expect.stringMatching(/^its image is gone from the engine: registry.example.com\/shop\/app:v1/),
    });

    h.engine.addImage(APP_V1);
    h.engine.containers.delete(h.engine.container(app('frontend', 'd1'))!.id);
    const pruned = await h.rollbackFails(specWith(APP_V2, 'debug'), { deployId: 'd1' });
    expect(pruned.message).toMatch(/generation d1 was pruned \(shop_frontend_d1 gone\)/);
    expect(pruned.message).toContain('No kept generation can be rolled back to');

    expect(h.events(mark).filter(LOCK)).toEqual([]);
    expect(await readLedger(h.store)).toHaveLength(before);
  });

  it('GIVEN no confirmation WHEN rolling back THEN NOT_CONFIRMED and nothing changed', async () => {
    const h = await twoGenerations();
    h.io = new (h.io.constructor as new (a: boolean) => typeof h.io)(false);
    const mark = h.mark();
    const err = await h.rollbackFails(specWith(APP_V2, 'debug'), { autoApprove: false });
    expect(err.code).toBe('NOT_CONFIRMED');
    expect(h.events(mark).filter(LOCK)).toEqual([]);
  });

  it('GIVEN a rollback already done WHEN run again THEN nothing to do', async () => {
    const h = await twoGenerations();
    await h.rollback(specWith(APP_V2, 'debug'));
    const mark = h.mark();
    const again = await h.rollback(specWith(APP_V2, 'debug'), { deployId: 'd1' });
    expect(again.status).toBe('no_changes');
    expect(h.events(mark).filter(LOCK)).toEqual([]);
  });
});
