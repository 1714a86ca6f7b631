/**
 * The revision ledger, lifecycle events and webhooks on the real engine: what an apply, a failed
 * apply and an interrupted apply record on the engine host (not on the runner), each run with
 * exactly one terminal event valid against schemas/event.schema.json, `--events-file`, and
 * webhook receivers on 127.0.0.1 (json and slack forms; down or answering 500 changes nothing
 * but a warning).
 */
import { appendFile, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, output, type Stack } from './apply-stack.js';
import { docker, waitFor } from './support/engine.js';

interface Event {
  event: string;
  revision: number;
  deploy_id: string;
  container?: string;
  error?: { code: string; message: string };
}

const schema = JSON.parse(
  await readFile(new URL('../../schemas/event.schema.json', import.meta.url), 'utf8'),
) as object;
const validEvent = new Ajv2020.default({ strict: true, validateFormats: false }).compile(schema);

const received: { path: string; body: string }[] = [];
let answer = 200;
let server: Server;
let port = 0;
let s: Stack;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.statusCode = answer;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  s = await createStack('history', { appsOnly: true });
  await appendFile(
    s.specPath,
    `notify:
  webhooks:
    - url: \${HOOK}/json
    - url: \${HOOK}/slack
      format: slack
      events: ["apply.*"]
`,
  );
});

afterAll(async () => {
  server.close();
  await s.cleanup();
});

async function events(): Promise<Event[]> {
  const run = await s.cli(['events', '--json'], { env: { HOOK: `http://127.0.0.1:${port}` } });
  expect(run.code, output(run)).toBe(0);
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);
}

const env = (extra: Record<string, string> = {}): { env: Record<string, string> } => ({
  env: { HOOK: `http://127.0.0.1:${port}`, ...extra },
});

describe('revisions and events on the engine host', () => {
  it('records a successful apply: history, events with container lifecycle, webhooks in both forms', async () => {
    const eventsFile = join(s.dir, 'ci-events.jsonl');
    const run = await s.cli(['apply', '-y', '--deploy-id', 'e1', '--events-file', eventsFile], env());
    expect(run.code, output(run)).toBe(0);

    const all = await events();
    expect(
      all.every((e) => validEvent(e)),
      JSON.stringify(validEvent.errors),
    ).toBe(true);
    const r1 = all
      .filter((e) => e.revision === 1)
      .map((e) => `${e.event}${e.container ? ` ${e.container}` : ''}`);
    expect(r1[0]).toBe('apply.started');
    expect(r1.at(-1)).toBe('apply.succeeded');
    expect(r1).toContain(`container.created ${s.app('backend', 'e1')}`);
    expect(r1).toContain(`container.ready ${s.app('frontend', 'e1')}`);
    expect(r1.filter((e) => /^apply\.(succeeded|failed|rolled_back|interrupted)$/.test(e))).toHaveLength(1);
    // The same lines went to the local file, e.g. a CI artifact.
    const local = (await readFile(eventsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Event).event);
    expect(local).toEqual(all.filter((e) => e.revision === 1).map((e) => e.event));

    // Kept on the engine host: a labelled volume behind a never-started container.
    const store = await docker.getContainer(`${s.project}.deployctl-state`).inspect();
    expect(store.State.Status).toBe('created');
    expect(store.Mounts.map((m) => m.Name)).toEqual([`${s.project}_deployctl_state`]);

    const hist = await s.cli(['history', '--json'], env());
    expect(hist.code, output(hist)).toBe(0);
    const h = JSON.parse(hist.stdout) as {
      live_revision: number;
      revisions: {
        number: number;
        kind: string;
        result: string;
        services: { container: string; image_id?: string }[];
      }[];
    };
    expect(h.live_revision).toBe(1);
    expect(h.revisions[0]).toMatchObject({ number: 1, kind: 'apply', result: 'succeeded' });
    const backend = await docker.getContainer(s.app('backend', 'e1')).inspect();
    expect(h.revisions[0]!.services.find((x) => x.container === s.app('backend', 'e1'))?.image_id).toBe(
      backend.Image,
    );

    // Webhooks: the terminal event as JSON to /json, apply.* as Slack text to /slack.
    await waitFor('webhook deliveries', () => Promise.resolve(received.length >= 3 || undefined), 10_000);
    const json = received.filter((r) => r.path === '/json').map((r) => JSON.parse(r.body) as Event);
    expect(json.map((e) => e.event)).toEqual(['apply.succeeded']);
    const slack = received
      .filter((r) => r.path === '/slack')
      .map((r) => (JSON.parse(r.body) as { text: string }).text);
    expect(slack).toEqual([
      expect.stringContaining(`${s.project}: apply started`),
      expect.stringContaining(`${s.project}: apply succeeded · deploy e1 · revision 1`),
    ]);
    // The URL is a credential: never printed.
    expect(run.stdout + run.stderr).not.toContain(`127.0.0.1:${port}`);
  });

  it('records a failed (rolled back) apply and an interrupted one with exactly one terminal event each', async () => {
    received.length = 0;
    const failed = await s.cli(
      ['apply', '-y', '--deploy-id', 'e2'],
      env({ UNHEALTHY: '1', WAIT: '4s', RETRIES: '2' }),
    );
    expect(failed.code, output(failed)).toBe(1);

    const interrupted = s.start(
      ['apply', '-y', '--deploy-id', 'e3'],
      env({ UNHEALTHY: '1', WAIT: '5m', RETRIES: '1000' }),
    );
    await waitFor(
      'e3 to be waited on',
      async () =>
        interrupted.child.stderr?.readableLength !== undefined &&
        (await s.apps())[s.app('backend', 'e3')] === 'running',
      30_000,
    );
    interrupted.child.kill('SIGINT');
    const stopped = await interrupted.done;
    expect(stopped.code, output(stopped)).toBe(130);

    const all = await events();
    const terminal = (rev: number): string[] =>
      all
        .filter(
          (e) => e.revision === rev && /^apply\.(succeeded|failed|rolled_back|interrupted)$/.test(e.event),
        )
        .map((e) => e.event);
    expect(terminal(2)).toEqual(['apply.rolled_back']);
    expect(terminal(3)).toEqual(['apply.interrupted']);
    expect(all.filter((e) => e.revision === 2).map((e) => e.event)).toContain('container.cleaned_up');
    expect(all.find((e) => e.event === 'apply.rolled_back')?.error?.code).toBe('CONTAINER_UNHEALTHY');
    expect(all.every((e) => validEvent(e))).toBe(true);

    const h = JSON.parse((await s.cli(['history', '--json'], env())).stdout) as {
      live_revision: number;
      revisions: { number: number; result: string }[];
    };
    expect(h.revisions.map((r) => [r.number, r.result])).toEqual([
      [3, 'interrupted'],
      [2, 'rolled_back'],
      [1, 'succeeded'],
    ]);
    expect(h.live_revision).toBe(1);
  });

  it('a webhook answering 500, or not there at all, changes nothing but a warning and a notify.failed event', async () => {
    answer = 500;
    const run = await s.cli(['apply', '-y', '--deploy-id', 'e4'], env());
    expect(run.code, output(run)).toBe(0);
    expect(run.stderr).toMatch(
      /Warning: webhook #1 of notify.webhooks did not take apply.succeeded: HTTP 500 after 3 attempt\(s\)/,
    );
    answer = 200;
    const closed = await s.cli(['apply', '-y', '--deploy-id', 'e5'], { env: { HOOK: 'http://127.0.0.1:9' } });
    expect(closed.code, output(closed)).toBe(0);
    expect(closed.stderr).toMatch(/Warning: webhook #1 .* did not take apply.succeeded/);
    const failedDeliveries = (await events()).filter((e) => e.event === 'notify.failed');
    expect(failedDeliveries.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(failedDeliveries)).not.toContain('127.0.0.1:9');
  });

  it('a run killed with -9 reads as interrupted, and the next run closes it with its one terminal event', async () => {
    const killed = s.start(
      ['apply', '-y', '--deploy-id', 'e6'],
      env({ UNHEALTHY: '1', WAIT: '5m', RETRIES: '1000' }),
    );
    await waitFor(
      'e6 to be waited on',
      async () => (await s.apps())[s.app('backend', 'e6')] === 'running',
      30_000,
    );
    killed.child.kill('SIGKILL');
    await killed.done;
    const before = JSON.parse((await s.cli(['history', '--json'], env())).stdout) as {
      revisions: { kind: string; result: string; deploy_id: string }[];
    };
    expect(before.revisions[0]).toMatchObject({ deploy_id: 'e6', result: 'interrupted' });
    const again = await s.cli(['apply', '-y', '--deploy-id', 'e5'], env());
    expect(again.code, output(again)).toBe(0);
    const e6 = (await events()).filter((e) => e.deploy_id === 'e6' && e.event.startsWith('apply.'));
    expect(e6.map((e) => e.event)).toEqual(['apply.started', 'apply.interrupted']);
  });
});
