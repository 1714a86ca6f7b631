import { describe, expect, it } from 'vitest';
import { lockName } from '../../../src/apply/lock.js';
import { RecordingIoHost } from '../../../src/io/io-host.js';
import { APP_V2, DB, Harness, PROJECT, app, shopSpec } from './harness.js';

const LOCK = lockName(PROJECT);

/** Runs `onEnd` right after the step titled `title` finished, as a Ctrl+C landing at that moment. */
class AbortAfterStep extends RecordingIoHost {
  constructor(
    private readonly title: string,
    private readonly onEnd: () => void,
  ) {
    super(true);
  }

  override async step<T>(title: string, run: (update: (text: string) => void) => Promise<T>): Promise<T> {
    const result = await super.step(title, run);
    if (title.startsWith(this.title)) this.onEnd();
    return result;
  }
}

async function withServingD1(): Promise<{ h: Harness; ids: Record<string, string | undefined> }> {
  const h = new Harness();
  await h.deploy(shopSpec(), 'd1');
  return { h, ids: Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)])) };
}

describe('Ctrl+C during apply', () => {
  it('GIVEN Ctrl+C before the run starts changing things WHEN apply runs THEN it exits 130, changes nothing, releases the lock', async () => {
    const { h, ids } = await withServingD1();
    h.controller.abort();
    const mark = h.mark();
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
    expect(err.message).toMatch(/^interrupted before pulling images\. /);
    expect(err.message).toContain(
      `Serving now: untouched ${app('backend', 'd1')}, ${app('frontend', 'd1')}.`,
    );
    expect(err.message).toContain('Re-run `deployctl apply` when ready.');
    expect(h.events(mark)).toEqual([`create ${LOCK}`, `remove ${LOCK}`]);
    expect(Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]))).toEqual(ids);
  });

  it('GIVEN Ctrl+C while the new generation is waiting to be healthy WHEN apply stops THEN 130, rolled back, the old generation serves, lock released', async () => {
    const { h, ids } = await withServingD1();
    h.engine.setHealthSequence(app('backend', 'd2'), ['starting']);
    h.clock.after(3000, () => h.controller.abort());
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
    expect(err.message).toContain('interrupted while waiting for backend');
    expect(err.message).toContain(`Rolled back: removed ${app('backend', 'd2')}.`);
    expect(err.message).toContain(
      `Serving now: untouched ${app('backend', 'd1')}, ${app('frontend', 'd1')}.`,
    );
    expect(h.names().filter((n) => n.endsWith('_d2'))).toEqual([]);
    expect(Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]))).toEqual(ids);
    expect(h.engine.container(LOCK)).toBeUndefined();
    // Stopped promptly: not after the 30 s wait timeout.
    expect(h.clock.slept()).toBeLessThan(5000);
  });

  it('GIVEN Ctrl+C while infrastructure is being created WHEN apply stops THEN 130 and no app container was created', async () => {
    const h = new Harness();
    h.engine.setHealthSequence(DB, ['starting']);
    h.clock.after(2000, () => h.controller.abort());
    const err = await h.deployFails(shopSpec(), 'd1');
    expect(err.code).toBe('INTERRUPTED');
    expect(h.names()).toEqual([DB]);
    expect(h.engine.container(LOCK)).toBeUndefined();
  });

  it('GIVEN Ctrl+C right after the new generation became healthy WHEN apply stops THEN 130 but no rollback: the message says the new generation serves', async () => {
    const { h } = await withServingD1();
    h.io = new AbortAfterStep('New generation', () => h.controller.abort());
    const err = await h.deployFails(shopSpec({ image: APP_V2 }), 'd2');
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
    expect(err.message).toContain(
      `interrupted after the new generation d2 became healthy: it is serving (${app('backend', 'd2')}, ${app('frontend', 'd2')})`,
    );
    expect(err.message).toContain('re-run `deployctl apply --deploy-id d2` to finish');
    expect(h.io.steps.map((s) => s.title)).not.toContain('Rolling back the new generation');
    // New generation kept and running; the old one not retired yet (still running).
    expect(h.names('running')).toEqual(
      [DB, app('backend', 'd1'), app('frontend', 'd1'), app('backend', 'd2'), app('frontend', 'd2')].sort(),
    );
    expect(h.engine.container(LOCK)).toBeUndefined();

    // Re-running as advised only retires d1.
    h.controller = new AbortController();
    h.io = new RecordingIoHost(true);
    const mark = h.mark();
    await h.deploy(shopSpec({ image: APP_V2 }), 'd2');
    // Both retired in parallel: the order between the two services is not fixed.
    expect(
      h
        .events(mark)
        .filter((e) => !e.includes('deployctl-lock'))
        .sort(),
    ).toEqual([
      `restart no ${app('backend', 'd1')}`,
      `restart no ${app('frontend', 'd1')}`,
      `stop ${app('backend', 'd1')}`,
      `stop ${app('frontend', 'd1')}`,
    ]);
  });

  it('GIVEN Ctrl+C while a --replace db waits for the new database WHEN apply stops THEN the original db is back under its name and running', async () => {
    const { h, ids } = await withServingD1();
    const oldDb = h.idOf(DB);
    const start = h.engine.startContainer.bind(h.engine);
    h.engine.startContainer = async (id) => {
      if (id !== oldDb && h.engine.container(id)?.name === DB) {
        h.engine.setHealthSequence(DB, ['starting']);
        h.clock.after(2000, () => h.controller.abort());
      }
      return start(id);
    };
    const err = await h.deployFails(shopSpec(), 'd1', { replace: ['db'] });
    expect(err.code).toBe('INTERRUPTED');
    expect(err.message).toContain(`Rolled back: put back ${DB}.`);
    expect(h.idOf(DB)).toBe(oldDb);
    expect(h.stateOf(DB)).toBe('running');
    expect([...h.engine.containers.values()].filter((c) => c.name.startsWith(`${DB}.`))).toEqual([]);
    expect(Object.fromEntries(h.names('running').map((n) => [n, h.idOf(n)]))).toEqual(ids);
    expect(h.engine.container(LOCK)).toBeUndefined();
  });
});
