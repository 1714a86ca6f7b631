import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerDefinition } from '../../../src/apply/container-definition.js';
import { releaseQuietly } from '../../../src/apply/lock-release.js';
import { runRestore } from '../../../src/db/restore.js';
import { EngineError } from '../../../src/engine/engine-error.js';
import { RecordingIoHost } from '../../../src/io/io-host.js';
import { APPS, FakePg, appliedEngine, dbSpec, tempDir, testClock } from './db-fixture.js';

const CUSTOM = Buffer.concat([Buffer.from('PGDMP\x01\x0e\x00', 'latin1'), Buffer.alloc(5000, 1)]);
const HOUR = 3_600_000;

/**
 * The engine as `restore-db` leaves it when killed between stopping the apps and starting them
 * again: the live generation g1 stopped. Beside it, a retired generation `old` (stopped, kept
 * for rollback) that is NEWER by creation and was started before g1 last was, as after a
 * rollback by deploy id (`apply --deploy-id g1` brought the older g1 back and retired `old`).
 */
async function afterKilledRestore(stop: string[] = APPS) {
  const dir = await tempDir();
  const spec = dbSpec(join(dir, 'backups'), 3);
  const clock = testClock();
  const engine = appliedEngine(spec, clock);
  for (const name of APPS) engine.container(name)!.createdAt = clock.now() - 3 * HOUR;
  const retired = spec.apps.services.map((s) => {
    const id = engine.addContainer(
      containerDefinition(s, spec, 'old', engine.images.get(s.image)?.id ?? ''),
      'exited',
    );
    Object.assign(engine.container(id)!, {
      createdAt: clock.now() - 2 * HOUR,
      startedAt: clock.now() - 2 * HOUR,
    });
    return engine.container(id)!.name;
  });
  for (const name of stop) await engine.stopContainer(name, 0);
  engine.calls.length = 0;
  const pg = new FakePg();
  engine.onExec(pg.handler);
  const io = new RecordingIoHost(false);
  const dumpPath = join(dir, 'restore-me.bin');
  await writeFile(dumpPath, CUSTOM);
  const request = { spec, dumpPath, safetyBackup: true, keepAppsRunning: false, autoApprove: true };
  const state = (names: string[]) => names.map((n) => engine.container(n)?.state);
  const lifecycle = (): string[] =>
    engine.calls
      .filter((c) => c.method === 'stopContainer' || c.method === 'startContainer')
      .map(
        (c) =>
          `${c.method === 'stopContainer' ? 'stop' : 'start'} ${engine.container(c.args[0] as string)!.name}`,
      );
  return { engine, io, clock, request, retired, state, lifecycle, pg };
}

describe('restore-db run again after a kill -9 that left the apps stopped', () => {
  it('GIVEN the live generation left stopped WHEN the same restore runs again THEN it restores and starts it, never the retired one', async () => {
    const { engine, io, clock, request, retired, state, lifecycle, pg } = await afterKilledRestore();

    const result = await runRestore(request, { engine, io, clock });

    expect(pg.tools()).toContain('pg_restore');
    expect(state(APPS)).toEqual(['running', 'running']);
    expect(state(retired)).toEqual(['exited', 'exited']);
    expect(lifecycle()).toEqual([`start ${APPS[0]}`, `start ${APPS[1]}`]);
    expect(result.appsRestarted).toEqual(APPS);
    expect(io.steps.find((s) => s.title === 'Stop the app generation')).toMatchObject({ ok: true });
  });

  it('GIVEN it was killed half-way through stopping (web stopped, api running) WHEN run again THEN api is stopped for the restore and both run after', async () => {
    const { engine, io, clock, request, retired, state, lifecycle } = await afterKilledRestore([APPS[1]!]);

    await runRestore(request, { engine, io, clock });

    expect(lifecycle()).toEqual([`stop ${APPS[0]}`, `start ${APPS[0]}`, `start ${APPS[1]}`]);
    expect(state(APPS)).toEqual(['running', 'running']);
    expect(state(retired)).toEqual(['exited', 'exited']);
  });

  it('GIVEN the retired generation was started last (the normal order: it was the newer one) WHEN nothing runs THEN that one is the live generation', async () => {
    const { engine, io, clock, request, retired, state } = await afterKilledRestore();
    for (const n of retired) engine.container(n)!.startedAt = clock.now() + HOUR;

    await runRestore(request, { engine, io, clock });

    expect(state(retired)).toEqual(['running', 'running']);
    expect(state(APPS)).toEqual(['exited', 'exited']);
  });
});

describe('releasing the lock after a restore', () => {
  it('GIVEN the release fails WHEN releasing THEN it is a warning, never an error replacing the result', async () => {
    const io = new RecordingIoHost(false);
    const lock = Promise.resolve({
      id: 'lock-id',
      lost: new AbortController().signal,
      release: () => Promise.reject(new EngineError('unreachable', 'engine went away')),
    });
    await expect(releaseQuietly(lock, io, 'shop')).resolves.toBeUndefined();
    expect(io.messages).toEqual([expect.objectContaining({ level: 'warn', code: 'DC_LOCK_NOT_RELEASED' })]);
    expect(io.messages[0]!.text).toContain('engine went away');
  });

  it('GIVEN the lock was never taken WHEN releasing THEN nothing happens and nothing is said', async () => {
    const io = new RecordingIoHost(false);
    const failed = Promise.reject(new Error('held by another run'));
    await releaseQuietly(failed, io, 'shop');
    await releaseQuietly(undefined, io, 'shop');
    expect(io.messages).toEqual([]);
  });
});
