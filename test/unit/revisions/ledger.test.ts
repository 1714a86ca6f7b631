import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DeployctlError, InterruptedError } from '../../../src/errors.js';
import { readEvents } from '../../../src/events/run-events.js';
import { readHistory } from '../../../src/revisions/history.js';
import { parseLedger, readLedger } from '../../../src/revisions/ledger.js';
import { recorded } from '../../../src/revisions/recorded.js';
import { makeRecorder } from '../../../src/revisions/recorder.js';
import { beginRun, type RecordOptions } from '../../../src/revisions/record-run.js';
import { ProjectStore, storeContainerName, storeVolumeName } from '../../../src/revisions/store.js';
import { deliverEvent } from '../../../src/notify/deliver.js';
import { slackText } from '../../../src/notify/format.js';
import { wantsEvent } from '../../../src/notify/match.js';
import { FakeEngine } from '../../support/fake-engine.js';

const schema = (name: string): object =>
  JSON.parse(readFileSync(new URL(`../../../schemas/${name}`, import.meta.url), 'utf8')) as object;

function setup(keep = 100) {
  const engine = new FakeEngine();
  const store = new ProjectStore(engine, 'shop');
  let t = Date.UTC(2026, 0, 1);
  const warnings: string[] = [];
  const base: Omit<RecordOptions, 'kind' | 'deployId'> = {
    store,
    project: 'shop',
    who: { by: 'ops@ci-1', ci: 'github acme/shop run 7' },
    keep,
    now: () => (t += 1000),
    mask: (s) => s.replaceAll('hunter2', '(sensitive)'),
    warn: (code) => warnings.push(code),
  };
  return { engine, store, base, warnings, recorder: makeRecorder(base) };
}

describe('the revision ledger on the engine host', () => {
  it('numbers runs, records start and end, and reads newest first', async () => {
    const { store, recorder, engine } = setup();
    for (const id of ['d1', 'd2']) {
      const run = await recorder.begin({ kind: 'apply', deployId: id });
      await run.finish('succeeded');
    }
    const revs = await readLedger(store);
    expect(revs.map((r) => [r.number, r.deploy_id, r.result])).toEqual([
      [2, 'd2', 'succeeded'],
      [1, 'd1', 'succeeded'],
    ]);
    expect(revs[0]!.who).toEqual({ by: 'ops@ci-1', ci: 'github acme/shop run 7' });
    // Kept in a labelled volume behind a never-started container, not on the runner.
    expect(engine.volumes.get(storeVolumeName('shop'))?.labels['deployctl.role']).toBe('state');
    const c = [...engine.containers.values()].find((x) => x.name === storeContainerName('shop'));
    expect(c?.state).toBe('created');
  });

  it('reads a run killed before its end record as interrupted, and the next run closes it with one terminal event', async () => {
    const { store, recorder, base } = setup();
    await recorder.begin({ kind: 'apply', deployId: 'd1' }); // killed: never finished
    expect((await readLedger(store))[0]?.result).toBe('interrupted');
    const next = await beginRun({ ...base, kind: 'apply', deployId: 'd1' });
    await next.finish('succeeded');
    const revs = await readLedger(store);
    expect(revs.map((r) => [r.number, r.result])).toEqual([
      [2, 'succeeded'],
      [1, 'interrupted'],
    ]);
    const events = await readEvents(store);
    expect(events.filter((e) => e.revision === 1).map((e) => e.event)).toEqual([
      'apply.started',
      'apply.interrupted',
    ]);
    // A third run does not close revision 1 again.
    await (await beginRun({ ...base, kind: 'down', deployId: 'd1' })).finish('succeeded');
    expect((await readEvents(store)).filter((e) => e.event === 'apply.interrupted')).toHaveLength(1);
  });

  it('skips a torn record: the last good one wins', () => {
    const good = {
      v: 1,
      number: 1,
      kind: 'apply',
      deploy_id: 'd1',
      started_at: 'x',
      result: 'running',
      who: { by: 'a' },
      services: [],
    };
    const files = [
      { name: '0001.start.json', content: Buffer.from(JSON.stringify(good)) },
      { name: '0001.end.json', content: Buffer.from('{"v":1,"number":1,"kind":"ap') },
      { name: '0002.start.json', content: Buffer.from('\u0000\u0000') },
    ];
    expect(parseLedger(files).map((r) => [r.number, r.result])).toEqual([[1, 'interrupted']]);
  });

  it('keeps at most history.keep revisions: the slot ring drops the oldest', async () => {
    const { store, recorder, engine } = setup(3);
    for (let i = 1; i <= 5; i++)
      await (await recorder.begin({ kind: 'apply', deployId: `d${i}` })).finish('succeeded');
    expect((await readLedger(store, 3)).map((r) => r.number)).toEqual([5, 4, 3]);
    const files = [...engine.files.keys()].filter((k) => k.includes('/revisions/'));
    expect(files.length).toBeLessThanOrEqual(6);
  });

  it('records the outcome of a failing body without changing its error', async () => {
    const { store, recorder } = setup();
    const boom = new DeployctlError('CONTAINER_UNHEALTHY', 'web hunter2 unhealthy', {
      data: { rolled_back: true },
    });
    await expect(
      recorded(
        recorder,
        { kind: 'apply', deployId: 'd3' },
        () => Promise.reject(boom),
        () => Promise.resolve([]),
      ),
    ).rejects.toBe(boom);
    await expect(
      recorded(
        recorder,
        { kind: 'apply', deployId: 'd4' },
        () => Promise.reject(new InterruptedError('stop')),
        () => Promise.resolve([]),
      ),
    ).rejects.toThrow('stop');
    const revs = await readLedger(store);
    expect(revs.map((r) => r.result)).toEqual(['interrupted', 'rolled_back']);
    expect(revs[1]!.error).toEqual({ code: 'CONTAINER_UNHEALTHY', message: 'web (sensitive) unhealthy' });
    const events = await readEvents(store);
    expect(events.map((e) => e.event)).toEqual([
      'apply.started',
      'apply.rolled_back',
      'apply.started',
      'apply.interrupted',
    ]);
    expect(JSON.stringify(events)).not.toContain('hunter2');
  });

  it('history and event output validate against their schemas', async () => {
    const { engine, store, recorder } = setup();
    await (
      await recorder.begin({ kind: 'apply', deployId: 'd1' })
    ).finish('succeeded', {
      services: [
        { service: 'web', role: 'app', container: 'shop_web_d1', image: 'web:1', image_id: 'sha256:ab' },
      ],
    });
    await (
      await recorder.begin({ kind: 'restore-db', deployId: 'd1' })
    ).finish('failed', { error: { code: 'X', message: 'no' } });
    // Formats (date-time) are documentation here; the shapes are what readers rely on.
    const ajv = new Ajv2020.default({ strict: true, allErrors: true, validateFormats: false });
    const history = await readHistory(engine, store, 'shop', 100);
    const checkHistory = ajv.compile(schema('history.schema.json'));
    expect(checkHistory(history), JSON.stringify(checkHistory.errors)).toBe(true);
    expect(history.live_revision).toBe(1);
    expect(history.revisions[1]!.rollback).toEqual({ available: false, why: 'it is the live generation' });
    const checkEvent = ajv.compile(schema('event.schema.json'));
    for (const e of await readEvents(store))
      expect(checkEvent(e), JSON.stringify(checkEvent.errors)).toBe(true);
  });
});

describe('what recording costs the engine', () => {
  it('begins and ends a run with one write each: the record and the pending events together', async () => {
    const { engine, recorder, store } = setup();
    const began = engine.calls.length;
    const run = await recorder.begin({ kind: 'apply', deployId: 'd1' });
    const opening = engine.calls.slice(began).filter((c) => c.method === 'writeFiles');
    expect(opening.map((c) => (c.args[2] as { name: string }[]).map((f) => f.name))).toEqual([
      ['revisions/0001.start.json', 'events/0001.jsonl'],
    ]);
    run.events.emit({ event: 'container.ready', container: 'shop_api_d1', service: 'api' });
    const before = engine.calls.length;
    await run.finish('succeeded');
    const writes = engine.calls.slice(before).filter((c) => c.method === 'writeFiles');
    expect(writes).toHaveLength(1);
    const names = (writes[0]!.args[2] as { name: string }[]).map((f) => f.name);
    expect(names).toEqual(['revisions/0001.end.json', 'events/0001.jsonl']);
    expect((await readLedger(store))[0]!.result).toBe('succeeded');
    expect((await readEvents(store)).map((e) => e.event)).toEqual([
      'apply.started',
      'container.ready',
      'apply.succeeded',
    ]);
  });

  it('finds an existing store with one inspect, and never writes into a stranger of the same name', async () => {
    const { engine, recorder } = setup();
    await (await recorder.begin({ kind: 'apply', deployId: 'd1' })).finish('succeeded');
    const before = engine.calls.length;
    await new ProjectStore(engine, 'shop').ensure();
    expect(engine.calls.slice(before).map((c) => c.method)).toEqual(['inspectContainer']);

    const other = new FakeEngine();
    other.addImage('busybox');
    await other.createContainer({
      name: storeContainerName('shop'),
      image: 'busybox',
      command: [],
      env: {},
      labels: {},
      ports: [],
      mounts: [],
      networks: [],
    });
    const err = await new ProjectStore(other, 'shop')
      .write('revisions', [{ name: 'x', content: '{}' }])
      .catch((e: unknown) => e);
    expect((err as DeployctlError).code).toBe('PROTECTED_CONFLICT');
    expect(other.callsOf('writeFiles')).toEqual([]);
  });
});

describe('webhooks', () => {
  const event = {
    v: 1 as const,
    ts: '2026-01-01T00:00:00.000Z',
    event: 'apply.failed' as const,
    project: 'shop',
    revision: 4,
    deploy_id: 'd4',
    duration_ms: 61_000,
    error: { code: 'CONTAINER_UNHEALTHY', message: 'web was marked unhealthy\nlogs…' },
  };

  it('match globs, and by default only terminal events', () => {
    expect(wantsEvent([], 'apply.failed')).toBe(true);
    expect(wantsEvent([], 'apply.started')).toBe(false);
    expect(wantsEvent([], 'container.ready')).toBe(false);
    expect(wantsEvent(['apply.*'], 'apply.started')).toBe(true);
    expect(wantsEvent(['*.failed'], 'restore_db.failed')).toBe(true);
    expect(wantsEvent(['rollback.*'], 'apply.failed')).toBe(false);
  });

  it('reads as one line in Slack', () => {
    expect(slackText(event)).toBe(
      '❌ shop: apply failed · deploy d4 · revision 4 · took 1m01s — CONTAINER_UNHEALTHY: web was marked unhealthy',
    );
  });

  it('POSTs json and slack forms with an idempotency key, retries a 500, and reports what failed without throwing', async () => {
    const got: { body: string; key: string | undefined }[] = [];
    let fail = 1;
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ body, key: req.headers['idempotency-key'] as string | undefined });
        res.statusCode = req.url === '/broken' ? 500 : fail-- > 0 ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const opts = { timeoutMs: 2000, attempts: 3, backoffMs: 1, sleep: () => Promise.resolve() };
    try {
      const failures = await deliverEvent(
        [
          { url: `${base}/json`, events: [], format: 'json' },
          { url: `${base}/slack`, events: ['apply.*'], format: 'slack' },
          { url: `${base}/broken`, events: [], format: 'json' },
          { url: `${base}/never`, events: ['rollback.*'], format: 'json' },
        ],
        event,
        opts,
      );
      expect(failures).toEqual([
        { webhook: 2, event: 'apply.failed', reason: 'HTTP 500 after 3 attempt(s)' },
      ]);
      const bodies = got.map((g) => g.body);
      expect(bodies).toContain(JSON.stringify(event));
      expect(
        bodies.some((b) => (JSON.parse(b) as { text?: string }).text?.startsWith('❌ shop: apply failed')),
      ).toBe(true);
      expect(got.every((g) => g.key?.startsWith('shop-4-apply.failed-'))).toBe(true);
      // Nothing at all for a webhook that does not want the event.
      expect(got.length).toBe(2 + 3 + 1); // json: 503 then 204; slack: 204; broken: 3 attempts
    } finally {
      server.close();
    }
    // A receiver that is not there: a failure, quickly, no throw.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await deliverEvent(
      [{ url: `http://127.0.0.1:${port}/x`, events: [], format: 'json' }],
      event,
      opts,
    );
    expect(down[0]?.reason).toMatch(/ECONNREFUSED/);
  });
});
