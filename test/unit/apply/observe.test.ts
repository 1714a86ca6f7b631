import { describe, expect, it } from 'vitest';
import { observe } from '../../../src/apply/observe.js';
import { LABEL } from '../../../src/engine/labels.js';
import type { Spec } from '../../../src/spec/model.js';
import { appService } from '../../support/builders.js';
import { APP_V1, DB, Harness, NET, shopSpec } from './harness.js';

function stackOf(apps: number): Spec {
  return shopSpec({
    apps: Array.from({ length: apps }, (_, i) =>
      appService(`svc${i}`, { image: APP_V1, networks: [NET], healthcheck: { test: ['CMD', 'true'] } }),
    ),
  });
}

/** Engine calls one observe makes, by method. */
async function callsOfObserve(h: Harness, spec: Spec, deployId: string): Promise<Record<string, number>> {
  const mark = h.mark();
  await observe(h.engine, spec, deployId);
  const counts: Record<string, number> = {};
  for (const c of h.callsSince(mark)) counts[c.method] = (counts[c.method] ?? 0) + 1;
  return counts;
}

describe('observe', () => {
  it('GIVEN 2 or 20 apps, with several live generations WHEN observing THEN the number of engine calls is the same', async () => {
    const small = new Harness();
    const big = new Harness();
    for (const [h, spec] of [
      [small, stackOf(2)],
      [big, stackOf(20)],
    ] as const) {
      await h.deploy(spec, 'g1');
      h.seedGeneration(spec, 'g0', 'exited');
    }
    const a = await callsOfObserve(small, stackOf(2), 'g2');
    const b = await callsOfObserve(big, stackOf(20), 'g2');
    expect(b).toEqual(a);
    expect(a).toMatchObject({ listContainers: 1, listVolumes: 1, listNetworks: 1, listImages: 1 });
    // Only infra images are inspected (for their VOLUME paths), never a container.
    expect(a.inspectContainer).toBeUndefined();
    expect(a.inspectImage ?? 0).toBeLessThanOrEqual(1);
  });

  it('GIVEN a legacy container and a stranger on the db volume WHEN observing THEN one list call finds them by name glob and by volume', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    h.engine.addContainer({ name: 'shop_legacy_persistent', image: APP_V1 });
    h.engine.addContainer({
      name: 'someone_else',
      image: APP_V1,
      mounts: [{ type: 'volume', source: 'shop_pg', target: '/x', readOnly: false }],
    });
    h.engine.addContainer({ name: 'unrelated', image: APP_V1 });
    const observed = await observe(h.engine, shopSpec(), 'd2');
    const names = observed.containers.map((c) => c.name).sort();
    expect(names).toEqual(
      ['shop_backend_d1', DB, 'shop_frontend_d1', 'shop_legacy_persistent', 'someone_else'].sort(),
    );
    expect(observed.containers.every((c) => c.labels[LABEL.role] !== 'lock')).toBe(true);
  });
});
