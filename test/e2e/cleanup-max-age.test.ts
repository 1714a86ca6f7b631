/**
 * `cleanup.max_age` on the real engine: a kept generation retired longer ago than the limit is
 * removed by the next apply even within `keep_generations`; the one retired just now, and the
 * live one, stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, output, type Stack } from './apply-stack.js';
import { docker } from './support/engine.js';

let s: Stack;

beforeAll(async () => {
  s = await createStack('maxage', { appsOnly: true, keep: 5, maxAge: '15s' });
});

afterAll(async () => {
  await s?.cleanup();
}, 60_000);

describe('cleanup.max_age', () => {
  it('removes a kept generation retired more than max_age ago, keeps the one retired now and the live one', async () => {
    for (const id of ['d1', 'd2']) {
      const run = await s.cli(['apply', '-y', '--deploy-id', id]);
      expect(run.code, output(run)).toBe(0);
    }
    // d1 counts as retired once d2 was complete (its last container created): wait until that is more than 15 s ago.
    const created = await Promise.all(
      ['backend', 'frontend'].map(async (svc) =>
        Date.parse((await docker.getContainer(s.app(svc, 'd2')).inspect()).Created),
      ),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, Math.max(...created) + 16_000 - Date.now())));

    const plan = await s.cli(['plan', '--deploy-id', 'd3']);
    expect(plan.stdout).toContain(
      `container ${s.app('backend', 'd1')} (backend, deploy d1): retired more than 15s ago (cleanup.max_age): will be removed`,
    );
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd3']);
    expect(run.code, output(run)).toBe(0);
    const apps = await s.apps();
    expect(apps[s.app('backend', 'd1')]).toBeUndefined();
    expect(apps[s.app('frontend', 'd1')]).toBeUndefined();
    // d2 was retired just now (keep_generations 5 would keep it anyway): stopped and kept.
    expect(apps[s.app('backend', 'd2')]).toBe('exited');
    expect(apps[s.app('backend', 'd3')]).toBe('running');
  }, 300_000);
});
