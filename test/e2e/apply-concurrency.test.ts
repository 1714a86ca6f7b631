/**
 * The per-project lock on the real engine: two applies at once (one wins, the other exits 3
 * naming the holder), --lock-timeout waiting its turn, and a lock left by a killed run that
 * `deployctl unlock` releases once it sees the holder is dead (lock-takeover.test.ts: the next
 * run takes it over by itself); eight at once (one deploys, the others exit 3 or wait their turn).
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, output, type Stack } from './apply-stack.js';
import { docker, waitFor, waitForHealth } from './support/engine.js';

let s: Stack;
let lock: string;

const lockExists = async (): Promise<boolean> =>
  docker
    .getContainer(lock)
    .inspect()
    .then(
      () => true,
      () => false,
    );

beforeAll(async () => {
  s = await createStack('lock', { appsOnly: true });
  lock = `${s.project}.deployctl-lock`;
});

afterAll(async () => {
  if (s) await s.cleanup();
});

describe('two applies on one project', () => {
  it('started at the same moment: exactly one deploys, the other exits 3 naming the holder', async () => {
    const a = s.start(['apply', '-y', '--deploy-id', 'a1']);
    const b = s.start(['apply', '-y', '--deploy-id', 'a2']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const codes = [ra.code, rb.code].sort();
    expect(codes, `${output(ra)}\n${output(rb)}`).toEqual([0, 3]);
    const [winner, loser, winnerPid, winnerId] =
      ra.code === 0 ? [ra, rb, a.child.pid, 'a1'] : [rb, ra, b.child.pid, 'a2'];
    expect(loser.stderr).toContain('Error [LOCK_HELD]');
    expect(loser.stderr).toContain(
      `deployctl apply on host ${hostname()}, pid ${winnerPid}, deploy id ${winnerId}, since `,
    );
    expect(loser.stderr).toContain('Nothing was changed.');
    expect(winner.stdout).toContain(`Apply complete: generation ${winnerId}`);
    // Only the winner's generation exists; the lock is gone.
    const apps = await s.apps();
    expect(Object.keys(apps).every((n) => n.endsWith(`_${winnerId}`))).toBe(true);
    expect(Object.values(apps)).toEqual(['running', 'running']);
    expect(await lockExists()).toBe(false);
  });

  it('with --lock-timeout the second waits for the first and then deploys', async () => {
    const first = s.start(['apply', '-y', '--deploy-id', 'b1']);
    await waitFor('the first apply to take the lock', lockExists, 20_000, 50);
    const second = s.start(['apply', '-y', '--deploy-id', 'b2', '--lock-timeout', '60s']);
    const [r1, r2] = await Promise.all([first.done, second.done]);
    expect(r1.code, output(r1)).toBe(0);
    expect(r2.code, output(r2)).toBe(0);
    expect(r2.stdout).toContain('Apply complete: generation b2');
    const apps = await s.apps();
    expect(apps[s.app('backend', 'b2')]).toBe('running');
    expect(apps[s.app('backend', 'b1')]).toBe('exited');
    expect(await lockExists()).toBe(false);
  });

  it('a lock left by a killed run: `unlock` sees its holder is dead and releases it, the next apply works', async () => {
    const killed = s.start(['apply', '-y', '--deploy-id', 'c1'], { env: { UNHEALTHY: '1', WAIT: '5m' } });
    await waitFor('the apply to take the lock', lockExists, 20_000, 50);
    await waitFor(
      'the apply to start the new generation',
      async () => (await s.stateOf(s.app('backend', 'c1'))) === 'running',
    );
    killed.child.kill('SIGKILL');
    const dead = await killed.done;
    expect(dead.code).toBeNull();
    expect(await lockExists()).toBe(true);

    const unlock = await s.cli(['unlock']);
    expect(unlock.code, output(unlock)).toBe(0);
    expect(unlock.stdout).toContain(
      `Released the lock of ${s.project}, held by deployctl apply on host ${hostname()}, pid ${killed.child.pid}, deploy id c1`,
    );
    expect(unlock.stdout).toContain(`its process ${killed.child.pid} no longer runs on this host`);
    expect(await lockExists()).toBe(false);
    const again = await s.cli(['unlock']);
    expect(again.stdout).toContain(`${s.project} is not locked; nothing to release.`);

    const next = await s.cli(['apply', '-y', '--deploy-id', 'c2']);
    expect(next.code, output(next)).toBe(0);
    const apps = await s.apps();
    expect(apps[s.app('backend', 'c2')]).toBe('running');
    expect(apps[s.app('frontend', 'c2')]).toBe('running');
    // The half-started generation of the killed run is retired like any older one.
    expect(apps[s.app('backend', 'c1')]).toBe('exited');
  });

  it('a no-op apply takes no lock; while another run holds it, the same apply exits 3', async () => {
    // c2 is serving (previous test). Engine events prove whether the lock container was created.
    const quiet = await lockEvents();
    const noop = await s.cli(['apply', '-y', '--deploy-id', 'c2']);
    expect(noop.code, output(noop)).toBe(0);
    expect(noop.stdout).toContain('Nothing to do');
    expect(await quiet.stop()).toEqual([]);

    const events = await lockEvents();
    const busy = s.start(['apply', '-y', '--deploy-id', 'd1'], { env: { UNHEALTHY: '1', WAIT: '5m' } });
    await waitFor('the other apply to take the lock', lockExists, 20_000, 50);
    const blocked = await s.cli(['apply', '-y', '--deploy-id', 'c2']);
    expect(blocked.code, output(blocked)).toBe(3);
    expect(blocked.stderr).toContain(`pid ${busy.child.pid}, deploy id d1`);
    busy.child.kill('SIGINT');
    const interrupted = await busy.done;
    expect(interrupted.code, output(interrupted)).toBe(130);
    expect(await events.stop()).toEqual(['create', 'destroy']);
    expect((await s.apps())[s.app('backend', 'c2')]).toBe('running');
  });
});

describe('eight applies on one project at once', () => {
  const EIGHT = [1, 2, 3, 4, 5, 6, 7, 8];

  it('different deploy ids: exactly one deploys, seven exit 3, one healthy generation serves', async () => {
    const creates = await appCreates();
    const runs = EIGHT.map((n) => s.start(['apply', '-y', '--deploy-id', `e${n}`]));
    const results = await Promise.all(runs.map((r) => r.done));
    const all = results.map((r, i) => `--- e${i + 1}\n${output(r)}`).join('\n');
    const winners = results.flatMap((r, i) => (r.code === 0 ? [`e${i + 1}`] : []));
    expect(winners, all).toHaveLength(1);
    expect(
      results.filter((r) => r.code === 3),
      all,
    ).toHaveLength(7);
    const winner = winners[0]!;
    // Only the winner created app containers: the losers changed nothing on the engine.
    expect(await creates.stop(), all).toEqual([s.app('backend', winner), s.app('frontend', winner)].sort());
    await expectOneHealthyGeneration(winner);
    expect(await lockExists()).toBe(false);
  });

  it('one deploy id with --lock-timeout: one deploys, seven wait their turn and find nothing to do', async () => {
    const creates = await appCreates();
    const runs = EIGHT.map(() => s.start(['apply', '-y', '--deploy-id', 'f1', '--lock-timeout', '120s']));
    const results = await Promise.all(runs.map((r) => r.done));
    const all = results.map((r, i) => `--- run ${i + 1}\n${output(r)}`).join('\n');
    expect(
      results.map((r) => r.code),
      all,
    ).toEqual(EIGHT.map(() => 0));
    expect(
      results.filter((r) => r.stdout.includes('Apply complete')),
      all,
    ).toHaveLength(1);
    expect(await creates.stop(), all).toEqual([s.app('backend', 'f1'), s.app('frontend', 'f1')].sort());
    await expectOneHealthyGeneration('f1');
    expect(await lockExists()).toBe(false);
  });
});

/** Names of this project's app containers created while watched, from the engine's events. */
function appCreates(): Promise<Watch<string>> {
  return watchEvents(
    {
      type: ['container'],
      event: ['create'],
      label: [`deployctl.project=${s.project}`, 'deployctl.role=app'],
    },
    (e) => e.Actor.Attributes.name,
    true,
  );
}

/** `deployId` is the only generation running, each of its containers healthy. */
async function expectOneHealthyGeneration(deployId: string): Promise<void> {
  const running = Object.entries(await s.apps()).filter(([, state]) => state === 'running');
  expect(running.map(([name]) => name)).toEqual(
    [s.app('backend', deployId), s.app('frontend', deployId)].sort(),
  );
  // The gate may have opened on deployctl's own run of the healthcheck: the engine must agree.
  for (const [name] of running) await waitForHealth(name, 'healthy', 15_000);
}

/** create/destroy events of the lock container while watched, in order. */
function lockEvents(): Promise<Watch<string>> {
  return watchEvents(
    { type: ['container'], container: [lock], event: ['create', 'destroy'] },
    (e) => e.Action,
  );
}

interface EngineEvent {
  Action: string;
  Actor: { Attributes: { name: string } };
}

interface Watch<T> {
  /** Stops watching and returns what was seen. */
  stop(): Promise<T[]>;
}

/**
 * Engine events collected live from now on. Asking afterwards with `since` is not enough: the
 * engine keeps only its last 256 events, fewer than the other e2e files make meanwhile.
 */
async function watchEvents<T>(
  filters: Record<string, string[]>,
  pick: (e: EngineEvent) => T,
  sorted = false,
): Promise<Watch<T>> {
  const stream = (await docker.getEvents({ filters })) as NodeJS.ReadableStream & { destroy(): void };
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return {
    async stop() {
      // An event reaches the stream a moment after the call that caused it has returned.
      await new Promise((r) => setTimeout(r, 1000));
      stream.destroy();
      const seen = text
        .split('\n')
        .filter(Boolean)
        .map((line) => pick(JSON.parse(line) as EngineEvent));
      return sorted ? seen.sort() : seen;
    },
  };
}
