import { describe, expect, it } from 'vitest';
import { withHealthProofs } from '../../../src/apply/health-proof.js';
import { observe } from '../../../src/apply/observe.js';
import { storeContainerName } from '../../../src/revisions/store.js';
import { readStatus } from '../../../src/status/read.js';
import { APP_V2, DB, Harness, app, backend, frontend, shopSpec } from './harness.js';

/**
 * The health gate opening on deployctl's own run of the healthcheck while the engine still says
 * `starting` (Docker before Engine 25 runs its first check only after a full interval).
 */
function engineNeverChecks(h: Harness, deployId: string): void {
  for (const s of ['backend', 'frontend']) h.engine.setHealthSequence(app(s, deployId), ['starting']);
}

const probes = (h: Harness, mark: number): string[] => h.events(mark).filter((e) => e.startsWith('exec '));

describe('health gate on the probe', () => {
  it('GIVEN the healthcheck command passes in d2 before the engine checked WHEN deploying THEN d2 serves, d1 retires, and the pass is recorded', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    engineNeverChecks(h, 'd2');
    const ran: string[][] = [];
    h.engine.onExec((_c, cmd) => {
      ran.push(cmd);
      return Promise.resolve({ exitCode: 0, stdout: 'ok', stderr: '' });
    });
    const mark = h.mark();
    const firstCall = h.engine.calls.length;

    const outcome = await h.deploy(shopSpec({ image: APP_V2 }), 'd2');

    expect(outcome.status).toBe('applied');
    // The record is read once, at the first pass (while the rest still starts), and written once.
    const calls = h.engine.calls.slice(firstCall);
    const record = calls.filter(
      (c) => ['readFiles', 'writeFiles'].includes(c.method) && String(c.args[1]).includes('health'),
    );
    expect(record.map((c) => c.method)).toEqual(['readFiles', 'writeFiles']);
    const execs = calls.flatMap((c, i) => (c.method === 'exec' ? [i] : []));
    expect(calls.indexOf(record[0]!)).toBeLessThan(execs.at(-1)!);
    expect(h.names('running')).toEqual([app('backend', 'd2'), DB, app('frontend', 'd2')]);
    expect(h.stateOf(app('backend', 'd1'))).toBe('exited');
    // The service's own command, once per container, in depends_on order.
    expect(ran).toEqual([
      ['wget', '-qO-', 'http://127.0.0.1:8000/health'],
      ['wget', '-qO-', 'http://127.0.0.1:8000/health'],
    ]);
    expect(probes(h, mark)).toEqual([`exec ${app('backend', 'd2')}`, `exec ${app('frontend', 'd2')}`]);
    // Every later run sees the record: the engine still says starting, yet d2 counts as proven.
    const observed = await observe(h.engine, shopSpec({ image: APP_V2 }), 'd2');
    const d2 = observed.containers.filter((c) => c.name.endsWith('_d2'));
    expect(d2.map((c) => [c.health, c.healthProbed])).toEqual([
      ['starting', true],
      ['starting', true],
    ]);
    const again = h.mark();
    expect((await h.deploy(shopSpec({ image: APP_V2 }), 'd2')).status).toBe('no_changes');
    expect(probes(h, again)).toEqual([]);
    const status = await readStatus(h.engine, shopSpec({ image: APP_V2 }), () => h.clock.now());
    expect(status.ok).toBe(true);
    expect(status.services.find((r) => r.service === 'backend')).toMatchObject({
      health: 'starting',
      health_probed: true,
      ok: true,
    });
  });

  it('GIVEN the probe fails and the engine says healthy later WHEN deploying THEN the gate waits for the engine, and nothing is recorded', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    h.engine.onExec(() => Promise.resolve({ exitCode: 1, stdout: '', stderr: 'connection refused' }));
    for (const s of ['backend', 'frontend'])
      h.engine.setHealthSequence(app(s, 'd2'), ['starting', 'starting', 'starting', 'healthy']);

    const outcome = await h.deploy(shopSpec({ image: APP_V2 }), 'd2');

    expect(outcome.status).toBe('applied');
    const record = await h.engine
      .readFiles(storeContainerName('shop'), '/state/health/probed.json')
      .catch(() => []);
    expect(record).toEqual([]);
  });

  it('GIVEN a passing probe WHEN the engine marks the container unhealthy first THEN the engine wins: rolled back, d1 serves', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    h.engine.onExec(() => Promise.resolve({ exitCode: 0, stdout: 'ok', stderr: '' }));
    h.engine.setHealthSequence(app('backend', 'd2'), ['unhealthy'], 'fake: 500');

    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');

    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(h.names().filter((n) => n.endsWith('_d2'))).toEqual([]);
    expect(h.names('running')).toEqual([app('backend', 'd1'), DB, app('frontend', 'd1')]);
  });

  it('GIVEN a service routed by Traefik (traefik.* labels) WHEN deploying THEN it is never probed: Traefik waits for the engine, so does the gate', async () => {
    const h = new Harness();
    const traefik = { 'traefik.enable': 'true' };
    const spec = (image?: string) =>
      shopSpec({ apps: [backend(image, { labels: traefik }), frontend(image, { labels: traefik })] });
    await h.deploy(spec(), 'd1');
    h.engine.onExec(() => Promise.resolve({ exitCode: 0, stdout: 'ok', stderr: '' }));
    const mark = h.mark();

    expect((await h.deploy(spec(APP_V2), 'd2')).status).toBe('applied');

    expect(probes(h, mark)).toEqual([]);
  });

  it('GIVEN no app container is starting WHEN observing THEN the record is not read (no extra engine call)', async () => {
    const h = new Harness();
    await h.deploy(shopSpec(), 'd1');
    const mark = h.mark();
    const listed = await h.engine.listContainers({ project: 'shop', nameGlobs: [] });
    await withHealthProofs(h.engine, 'shop', listed);
    expect(h.callsSince(mark).map((c) => c.method)).toEqual(['listContainers']);
  });
});
