import { describe, expect, it } from 'vitest';
import { acquireLock, lockName, type LockSettings } from '../../../src/apply/lock.js';
import type { LockHolder } from '../../../src/apply/lock-holder.js';
import { readLease } from '../../../src/apply/lock-lease.js';
import type { LocalProbe } from '../../../src/apply/lock-liveness.js';
import { unlockProject } from '../../../src/apply/lock-unlock.js';
import { EngineError } from '../../../src/engine/engine-error.js';
import { Harness, PROJECT, app, shopSpec } from './harness.js';

const LOCK = lockName(PROJECT);
/** pid 999 on this machine is gone; every other local pid runs. */
const probe: LocalProbe = (h: LockHolder) =>
  h.host !== 'ci-runner-1'
    ? undefined
    : h.pid === 999
      ? { gone: 'its process 999 no longer runs on this host' }
      : { alive: true };
/** A holder that took the lock, wrote its first beat and was then killed: no renewal ever fires. */
const killed: Partial<LockSettings> = { every: () => () => undefined };

function warnings(h: Harness): string[] {
  return h.io.messages.filter((m) => m.code === 'DC_LOCK_TAKEN_OVER').map((m) => m.text);
}

describe('the lease of a held lock', () => {
  it('GIVEN a held lock WHEN time passes THEN its lease moves every renewal, and stops moving once released', async () => {
    const h = new Harness();
    const lock = await h.holdLock('d7');
    await h.clock.sleep(0);
    const first = await readLease(h.engine, lock.id);
    h.clock.advance(2000);
    await h.clock.sleep(0);
    expect(await readLease(h.engine, lock.id)).not.toBe(first);
    await lock.release();
    const mark = h.mark();
    h.clock.advance(10_000);
    await h.clock.sleep(0);
    expect(h.callsSince(mark).filter((c) => c.method === 'writeFiles')).toEqual([]);
  });

  it('GIVEN a renewal that fails (engine hiccup) WHEN it is retried THEN nothing throws and the lease is kept until a TTL of failures', async () => {
    const h = new Harness();
    const lock = await h.holdLock('d7');
    await h.clock.sleep(0); // the first beat lands
    h.engine.failOn('writeFiles', new EngineError('unreachable', 'Cannot reach the Docker engine'), {
      times: 100,
    });
    for (let i = 0; i < 7; i++) {
      h.clock.advance(2000);
      await h.clock.sleep(0);
    }
    expect(lock.lost.aborted).toBe(false);
    h.clock.advance(2000); // 16s without a renewal that worked: past the 15s TTL
    await h.clock.sleep(0);
    expect(lock.lost.aborted).toBe(true);
    expect(String(lock.lost.reason)).toContain('could not be renewed');
  });
});

describe('taking over the lock of a dead run', () => {
  it('GIVEN the holder ran on this machine and its pid is gone WHEN apply starts THEN it takes the lock over at once, saying so in one warning', async () => {
    const h = new Harness();
    const dead = await h.holdLock('d7', 'ci-runner-1', 999, killed);
    const outcome = await h.deploy(shopSpec(), 'd8', { lock: { probe } });
    expect(outcome.status).toBe('applied');
    expect(h.clock.slept()).toBeLessThan(5000);
    expect(warnings(h)).toHaveLength(1);
    expect(warnings(h)[0]).toMatch(
      /^took over the lock of project shop from a dead run, deployctl apply on host ci-runner-1, pid 999, deploy id d7, .*: its process 999 no longer runs on this host\.$/,
    );
    expect(h.engine.container(dead.id)).toBeUndefined();
    expect(h.engine.container(LOCK)).toBeUndefined();
    expect(h.stateOf(app('backend', 'd8'))).toBe('running');
  });

  it('GIVEN a holder on another machine whose lease stands still WHEN apply starts THEN it watches for the TTL, then takes over', async () => {
    const h = new Harness();
    await h.holdLock('d7', 'ci-runner-2', 777, killed);
    const outcome = await h.deploy(shopSpec(), 'd8', { lock: { probe } });
    expect(outcome.status).toBe('applied');
    expect(h.clock.slept()).toBeGreaterThanOrEqual(15_000);
    expect(h.clock.slept()).toBeLessThan(17_000);
    expect(warnings(h)[0]).toContain('host ci-runner-2, pid 777');
    expect(warnings(h)[0]).toMatch(/its lease did not move for 15\.\ds while watched \(TTL 15\.0s\)\.$/);
  });

  it('GIVEN a holder on another machine whose lease moves WHEN apply starts THEN exit 3 within a renewal, nothing taken over', async () => {
    const h = new Harness();
    const live = await h.holdLock('d7', 'ci-runner-2', 777);
    const err = await h.deployFails(shopSpec(), 'd8', { lock: { probe } });
    expect(err.code).toBe('LOCK_HELD');
    expect(h.clock.slept()).toBeLessThanOrEqual(3000);
    expect(warnings(h)).toEqual([]);
    expect(h.engine.container(LOCK)?.id).toBe(live.id);
    expect(live.lost.aborted).toBe(false);
  });

  it('GIVEN the holder runs on this machine WHEN apply starts THEN exit 3 at once, without watching', async () => {
    const h = new Harness();
    await h.holdLock('d7', 'ci-runner-1', 555);
    const err = await h.deployFails(shopSpec(), 'd8', { lock: { probe } });
    expect(err.code).toBe('LOCK_HELD');
    expect(err.message).toContain('It is alive (its process still runs on this host)');
    expect(h.clock.slept()).toBe(0);
  });

  it('GIVEN a holder renewing slower than the TTL asked for WHEN judged THEN the TTL is stretched to two of its renewals', async () => {
    const h = new Harness();
    await h.holdLock('d7', 'ci-runner-2', 777, { ...killed, renewMs: 10_000 });
    await h.deploy(shopSpec(), 'd8', { lock: { probe, ttlMs: 3000 } });
    expect(h.clock.slept()).toBeGreaterThanOrEqual(20_000);
    expect(warnings(h)[0]).toContain('(TTL 20.0s)');
  });

  it('GIVEN two runs that find the same dead lock WHEN both take it over at once THEN exactly one wins and the other exits 3 on the winner', async () => {
    const h = new Harness();
    await h.holdLock('d7', 'ci-runner-1', 999, killed);
    const take = (pid: number) =>
      acquireLock(h.engine, PROJECT, h.holder(`p${pid}`, 'ci-runner-1', pid), {
        timeoutMs: 0,
        clock: h.clock,
        settings: h.lockSettings({ probe }),
      }).then(
        (lock) => ({ lock }),
        (err: unknown) => ({ err }),
      );
    const results = await Promise.all([take(1001), take(1002)]);
    const won = results.flatMap((r) => ('lock' in r ? [r.lock] : []));
    const lost = results.flatMap((r) => ('err' in r ? [r.err] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: 'LOCK_HELD' });
    expect(h.engine.container(LOCK)?.id).toBe(won[0]!.id);
  });

  it('GIVEN the dead lock was replaced by another run after we looked WHEN we remove it THEN the new lock is untouched', async () => {
    const h = new Harness();
    const dead = await h.holdLock('d7', 'ci-runner-1', 999, killed);
    let newcomer: string | undefined;
    const remove = h.engine.removeContainer.bind(h.engine);
    // Between our look and our removal, another run takes the dead lock over.
    h.engine.removeContainer = async (id, opts) => {
      if (id === dead.id && newcomer === undefined) {
        await remove(id, opts);
        newcomer = (await h.holdLock('d9', 'ci-runner-1', 1234)).id;
      }
      return remove(id, opts);
    };
    const err = await h.deployFails(shopSpec(), 'd8', { lock: { probe } });
    expect(err.code).toBe('LOCK_HELD');
    expect(err.message).toContain('pid 1234, deploy id d9');
    expect(h.engine.container(LOCK)?.id).toBe(newcomer);
    expect(warnings(h)).toEqual([]);
  });
});

describe('a run that loses its lock', () => {
  it('GIVEN an apply waiting for health WHEN its lock is removed THEN it stops, rolls back and ends with LOCK_LOST (exit 1), not 130', async () => {
    const h = new Harness();
    h.engine.setHealthSequence(app('backend', 'd1'), ['starting']);
    h.clock.after(5000, () => {
      const id = h.idOf(LOCK);
      if (id) void h.engine.removeContainer(id, { force: true });
    });
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.code).toBe('LOCK_LOST');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(
      'apply lost the lock of project shop while it ran: its lock container was removed',
    );
    expect(err.message).toContain('Rolled back');
    expect(h.stateOf(app('backend', 'd1'))).toBeUndefined();
    expect(h.clock.slept()).toBeLessThan(10_000);
  });

  it('GIVEN Ctrl+C and a lost lock at once WHEN the apply stops THEN it is INTERRUPTED (130)', async () => {
    const h = new Harness();
    h.engine.setHealthSequence(app('backend', 'd1'), ['starting']);
    h.clock.after(5000, () => {
      h.controller.abort();
      const id = h.idOf(LOCK);
      if (id) void h.engine.removeContainer(id, { force: true });
    });
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
  });
});

describe('`deployctl unlock`', () => {
  it('GIVEN a live holder WHEN unlock runs without force THEN it refuses and the lock stays; with force it is released', async () => {
    const h = new Harness();
    const live = await h.holdLock('d7', 'ci-runner-2', 777);
    const refused = await unlockProject(h.engine, PROJECT, {
      force: false,
      clock: h.clock,
      settings: h.lockSettings({ probe }),
    });
    expect(refused).toMatchObject({ status: 'refused', reason: 'its lease is being renewed' });
    expect(h.engine.container(LOCK)?.id).toBe(live.id);
    const forced = await unlockProject(h.engine, PROJECT, { force: true, clock: h.clock });
    expect(forced).toMatchObject({ status: 'released', reason: 'released with --force' });
    expect(h.engine.container(LOCK)).toBeUndefined();
    h.clock.advance(2000);
    await h.clock.sleep(0);
    expect(live.lost.aborted).toBe(true);
  });

  it('GIVEN a remote holder whose lease stands still WHEN unlock runs THEN it watches for the TTL and releases it', async () => {
    const h = new Harness();
    await h.holdLock('d7', 'ci-runner-2', 777, killed);
    const watched: number[] = [];
    const outcome = await unlockProject(h.engine, PROJECT, {
      force: false,
      clock: h.clock,
      settings: { probe, ttlMs: 3000 },
      onWatch: (_h, ms) => watched.push(ms),
    });
    expect(outcome).toMatchObject({ status: 'released' });
    expect(watched).toEqual([4000]); // two renewals of 2s: longer than the 3s asked for
    expect(h.engine.container(LOCK)).toBeUndefined();
  });

  it('GIVEN a lock of a run that keeps no lease, on another machine WHEN unlock runs THEN it refuses: nothing proves it dead', async () => {
    const h = new Harness();
    h.engine.addContainer(
      {
        name: LOCK,
        image: 'deployctl-marker',
        labels: {
          'deployctl.project': PROJECT,
          'deployctl.role': 'lock',
          'deployctl.lock.host': 'old-runner',
          'deployctl.lock.pid': '12',
        },
      },
      'created',
    );
    const outcome = await unlockProject(h.engine, PROJECT, {
      force: false,
      clock: h.clock,
      settings: { probe },
    });
    expect(outcome).toMatchObject({ status: 'refused' });
    expect(outcome.status === 'refused' && outcome.reason).toContain('keeps no lease');
    expect(h.engine.container(LOCK)).toBeDefined();
  });

  it('GIVEN the lock changed hands after unlock looked WHEN it removes THEN the new lock is untouched', async () => {
    const h = new Harness();
    const first = await h.holdLock('d7', 'ci-runner-1', 999, killed);
    let newcomer: string | undefined;
    const remove = h.engine.removeContainer.bind(h.engine);
    h.engine.removeContainer = async (id, opts) => {
      if (id === first.id && newcomer === undefined) {
        await remove(id, opts);
        newcomer = (await h.holdLock('d9', 'ci-runner-1', 1234)).id;
      }
      return remove(id, opts);
    };
    const outcome = await unlockProject(h.engine, PROJECT, { force: true, clock: h.clock });
    expect(outcome).toMatchObject({ status: 'gone' });
    expect(h.engine.container(LOCK)?.id).toBe(newcomer);
  });
});
