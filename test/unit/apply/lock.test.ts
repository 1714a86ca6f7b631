import { describe, expect, it } from 'vitest';
import { acquireLock, lockName, readLock } from '../../../src/apply/lock.js';
import { unlockProject } from '../../../src/apply/lock-unlock.js';
import { EngineError } from '../../../src/engine/engine-error.js';
import { APP_V2, Harness, PROJECT, app, shopSpec } from './harness.js';

const LOCK = lockName(PROJECT);

describe('the project lock', () => {
  it('GIVEN no lock WHEN a run takes it THEN a never-started container names the holder, and release removes it', async () => {
    const h = new Harness();
    const lock = await acquireLock(h.engine, PROJECT, h.holder('d1'), {
      timeoutMs: 0,
      clock: h.clock,
      settings: h.lockSettings(),
    });
    expect(h.stateOf(LOCK)).toBe('created');
    expect(await readLock(h.engine, PROJECT)).toMatchObject({
      host: 'ci-runner-1',
      pid: 4242,
      deployId: 'd1',
    });
    await lock.release();
    expect(h.engine.container(LOCK)).toBeUndefined();
    expect(await readLock(h.engine, PROJECT)).toBeUndefined();
  });

  it('GIVEN another run holds the lock WHEN apply starts THEN it exits 3 naming host, pid and deploy id, and changes nothing', async () => {
    const h = new Harness();
    const other = await h.holdLock('d7');
    const mark = h.mark();
    const err = await h.deployFails(shopSpec(), 'd8');
    expect(err.code).toBe('LOCK_HELD');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`another deployctl run holds the lock of project ${PROJECT}`);
    expect(err.message).toContain('host ci-runner-2, pid 777, deploy id d7');
    expect(err.message).toContain('Nothing was changed.');
    expect(err.message).toContain('--lock-timeout');
    expect(err.message).toContain('deployctl unlock');
    // The only engine change attempted was the lock itself, which failed.
    expect(h.events(mark)).toEqual([`create ${LOCK}`]);
    expect(h.names()).toEqual([]);
    // The holder still holds it.
    expect(await readLock(h.engine, PROJECT)).toMatchObject({ deployId: 'd7' });
    await other.release();
  });

  it('GIVEN a live holder WHEN apply fails on it THEN the message says it is alive, that dead runs are taken over, and how to force', async () => {
    const h = new Harness();
    await h.holdLock('d7');
    const err = await h.deployFails(shopSpec(), 'd8');
    expect(err.message).toContain('It is alive (its lease is being renewed)');
    expect(err.message).toContain('taken over by the next run by itself');
    expect(err.message).toContain('`deployctl unlock --force`');
  });

  it('GIVEN --lock-timeout WHEN the holder releases within it THEN apply waits, takes the lock and deploys', async () => {
    const h = new Harness();
    const other = await h.holdLock('d7');
    h.clock.after(5000, () => void other.release());
    const outcome = await h.deploy(shopSpec(), 'd8', { lockTimeoutMs: 60_000 });
    expect(outcome.status).toBe('applied');
    expect(h.clock.slept()).toBeGreaterThanOrEqual(5000);
    expect(h.stateOf(app('backend', 'd8'))).toBe('running');
    expect(h.engine.container(LOCK)).toBeUndefined();
  });

  it('GIVEN --lock-timeout WHEN the holder keeps it THEN apply gives up after the timeout with exit 3, saying it waited', async () => {
    const h = new Harness();
    await h.holdLock('d7');
    const err = await h.deployFails(shopSpec(), 'd8', { lockTimeoutMs: 10_000 });
    expect(err.code).toBe('LOCK_HELD');
    expect(err.message).toContain('after waiting 10.0s');
    expect(h.clock.slept()).toBeGreaterThanOrEqual(10_000);
    expect(h.clock.slept()).toBeLessThan(12_000);
    expect(h.names()).toEqual([]);
  });

  it('GIVEN Ctrl+C while waiting for the lock WHEN the signal aborts THEN it stops with INTERRUPTED (130), not "lock held"', async () => {
    const h = new Harness();
    await h.holdLock('d7');
    h.clock.after(3000, () => h.controller.abort());
    const err = await h.deployFails(shopSpec(), 'd8', { lockTimeoutMs: 600_000 });
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
    expect(err.message).toContain('Nothing was changed');
    expect(err.message).toContain('ci-runner-2');
    expect(h.clock.slept()).toBeLessThan(5000);
    expect(h.names()).toEqual([]);
  });

  it('GIVEN an apply that fails WHEN it ends THEN the lock is released', async () => {
    const h = new Harness();
    h.engine.unhealthy(app('backend', 'd1'));
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(h.engine.container(LOCK)).toBeUndefined();
  });

  it('GIVEN an apply whose engine call fails unexpectedly WHEN it ends THEN the lock is released', async () => {
    const h = new Harness();
    h.engine.failOn(
      'createNetwork',
      new EngineError('other', 'could not create network shop_net: disk full'),
    );
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.message).toContain('disk full');
    expect(h.engine.container(LOCK)).toBeUndefined();
  });

  it('GIVEN the lock cannot be released (engine gone) WHEN the apply failed THEN its own error is reported, with a warning about the lock', async () => {
    const h = new Harness();
    h.engine.unhealthy(app('backend', 'd1'));
    h.engine.failOn('removeContainer', new EngineError('unreachable', 'Cannot reach the Docker engine'), {
      when: (id) => h.engine.container(String(id))?.name === LOCK,
    });
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    const warning = h.io.messages.find((m) => m.code === 'DC_LOCK_NOT_RELEASED');
    expect(warning?.level).toBe('warn');
    expect(warning?.text).toContain('run `deployctl unlock` once the engine answers');
  });

  it('GIVEN an apply interrupted by Ctrl+C WHEN it ends THEN the lock is released', async () => {
    const h = new Harness();
    h.engine.setHealthSequence(app('backend', 'd1'), ['starting']);
    h.clock.after(4000, () => h.controller.abort());
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.code).toBe('INTERRUPTED');
    expect(h.engine.container(LOCK)).toBeUndefined();
  });

  it('GIVEN a dead holder WHEN `unlock` runs THEN it releases that lock, returns the holder and the next apply gets the lock', async () => {
    const h = new Harness();
    await h.holdLock('d7', 'ci-runner-1', 999);
    const outcome = await unlockProject(h.engine, PROJECT, {
      force: false,
      clock: h.clock,
      settings: {
        probe: (x) =>
          x.pid === 999 ? { gone: 'its process 999 no longer runs on this host' } : { alive: true },
      },
    });
    expect(outcome).toMatchObject({
      status: 'released',
      holder: { host: 'ci-runner-1', pid: 999, deployId: 'd7', command: 'deployctl apply' },
      reason: 'its process 999 no longer runs on this host',
    });
    expect(h.engine.container(LOCK)).toBeUndefined();
    expect((await h.deploy(shopSpec(), 'd8')).status).toBe('applied');
  });

  it('GIVEN no lock WHEN `unlock` runs THEN it reports nothing released and removes nothing', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const mark = h.mark();
    expect(await unlockProject(h.engine, PROJECT, { force: true, clock: h.clock })).toEqual({
      status: 'not_locked',
    });
    expect(h.events(mark)).toEqual([]);
  });

  it('GIVEN a container of the same name that is not a lock WHEN reading the lock THEN it is not taken for one', async () => {
    const h = new Harness();
    h.engine.addContainer({ name: LOCK, image: 'postgres:15', labels: {} }, 'exited');
    expect(await readLock(h.engine, PROJECT)).toBeUndefined();
    expect(await unlockProject(h.engine, PROJECT, { force: true, clock: h.clock })).toEqual({
      status: 'not_locked',
    });
    expect(h.engine.container(LOCK)).toBeDefined();
  });
});

describe('the lock name taken by something else', () => {
  it('GIVEN a container that is not a lock holds the lock name WHEN apply starts THEN it fails at once instead of spinning, touching nothing', async () => {
    const h = new Harness();
    h.engine.addContainer({ name: LOCK, image: 'postgres:15', labels: {} }, 'running');
    const err = await h.deployFails(shopSpec(), 'd1', { lockTimeoutMs: 60_000 });
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(
      `the container name ${LOCK} is used by a container that is not a deployctl lock`,
    );
    expect(h.stateOf(LOCK)).toBe('running');
    expect(h.names()).toEqual([]);
  });
});

describe('the lock caught while its holder creates it', () => {
  it('GIVEN the name is taken but its holder cannot be read yet WHEN apply starts THEN it looks again and reports LOCK_HELD', async () => {
    const h = new Harness();
    await h.holdLock('d7');
    // The engine reserves a name before the container behind it can be inspected.
    const inspect = h.engine.inspectContainer.bind(h.engine);
    let hidden = 1;
    h.engine.inspectContainer = (idOrName) =>
      idOrName === LOCK && hidden-- > 0 ? Promise.resolve(undefined) : inspect(idOrName);
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd8');
    expect(err.code).toBe('LOCK_HELD');
    expect(err.message).toContain('host ci-runner-2, pid 777, deploy id d7');
    expect(h.names()).toEqual([]);
  });
  it('GIVEN the holder releases while its lease is read WHEN the engine answers with a removal race (500) THEN the waiter takes the lock instead of failing', async () => {
    const h = new Harness();
    const other = await h.holdLock('d7');
    // Docker answers a read of a container being removed with a 500 ("RWLayer ... is unexpectedly nil").
    const read = h.engine.readFiles.bind(h.engine);
    let races = 1;
    h.engine.readFiles = async (container, path) => {
      if (path === '/lease' && races-- > 0) {
        await other.release();
        throw new EngineError(
          'other',
          `could not read ${container}:/lease: RWLayer of container is unexpectedly nil`,
        );
      }
      return read(container, path);
    };
    const outcome = await h.deploy(shopSpec(), 'd8', { lockTimeoutMs: 60_000 });
    expect(outcome.status).toBe('applied');
    expect(h.stateOf(app('backend', 'd8'))).toBe('running');
  });

  it('GIVEN a lease that cannot be read while the lock stays WHEN apply starts THEN the engine error is reported, not swallowed', async () => {
    const h = new Harness();
    await h.holdLock('d7');
    h.engine.readFiles = (container) =>
      Promise.reject(new EngineError('other', `could not read ${container}:/lease: disk I/O error`));
    const err = await h.deployFails(shopSpec(), 'd8');
    expect(err.message).toContain('disk I/O error');
    expect(h.names()).toEqual([]);
  });
});
