/**
 * `kill -9` of an apply while it waits for its new generation's health, then the same apply
 * again, on the real engine: the re-run must not take the unproven generation for done. It
 * waits for it with the same gate, and when it fails rolls back as the first run would have:
 * the new generation removed, the previous one, never stopped, still serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, output, type Stack } from './apply-stack.js';
import { docker, waitFor } from './support/engine.js';

let s: Stack;
let d1: Record<string, string | undefined>;
// A backend that never gets healthy; Docker calls it unhealthy after 3 failed probes (~3 s).
const SICK = { UNHEALTHY: '1', RETRIES: '3', WAIT: '5m' };

beforeAll(async () => {
  s = await createStack('rerun', { appsOnly: true });
  const run = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
  expect(run.code, output(run)).toBe(0);
  const names = [s.app('backend', 'd1'), s.app('frontend', 'd1')];
  d1 = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await s.idOf(n)] as const)));
});

afterAll(async () => {
  if (s) await s.cleanup();
});

describe('apply re-run after kill -9 during the health wait', () => {
  it('waits for the unproven d2, rolls it back (exit 1) and d1, never stopped, keeps serving', async () => {
    const killed = s.start(['apply', '-y', '--deploy-id', 'd2'], { env: SICK });
    await waitFor(
      'the new generation to start',
      async () => (await s.stateOf(s.app('backend', 'd2'))) === 'running',
    );
    killed.child.kill('SIGKILL');
    expect((await killed.done).code).toBeNull();
    // The lock of the dead run is not this test's subject (it has its own fix): clear it by hand.
    await docker
      .getContainer(`${s.project}.deployctl-lock`)
      .remove({ force: true })
      .catch(() => undefined);

    const plan = await s.cli(['plan', '--deploy-id', 'd2'], { env: SICK });
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(
      `wait container ${s.app('backend', 'd2')} (backend): runs but was never proven healthy`,
    );

    const run = await s.cli(['apply', '-y', '--deploy-id', 'd2'], { env: SICK });
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain(
      `backend (${s.app('backend', 'd2')}) was marked unhealthy by its healthcheck.`,
    );
    expect(run.stderr).toContain(`Rolled back: removed ${s.app('backend', 'd2')}.`);
    expect(run.stderr).toContain(
      `Serving now: untouched ${s.app('backend', 'd1')}, ${s.app('frontend', 'd1')}.`,
    );
    expect(run.stdout).not.toContain('is serving');
    expect(Object.keys(await s.apps()).filter((n) => n.endsWith('_d2'))).toEqual([]);
    for (const [name, id] of Object.entries(d1)) {
      const info = await docker.getContainer(name).inspect();
      expect([info.Id, info.State.Status, info.State.Health?.Status]).toEqual([id, 'running', 'healthy']);
    }
  });
});
