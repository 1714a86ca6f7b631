import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { readStatus } from '../../../src/status/read.js';
import { renderStatusText } from '../../../src/status/render.js';
import { plainStyle } from '../../../src/plan/style.js';
import type { Spec } from '../../../src/spec/model.js';
import { infraService } from '../../support/builders.js';
import {
  app,
  APP_V1,
  backend,
  dbService,
  DB,
  frontend,
  Harness,
  NET,
  PROJECT,
  shopSpec,
} from '../apply/harness.js';

const PROXY = 'shop_proxy_persistent';

/** The shop stack plus a proxy publishing a port, deployed twice: d1 kept, d2 live. */
async function deployed(spec = withProxy()): Promise<{ h: Harness; spec: Spec }> {
  const h = new Harness();
  await h.deploy(spec, 'd1');
  await h.deploy(spec, 'd2');
  return { h, spec };
}

function withProxy(overrides: Parameters<typeof shopSpec>[0] = {}): Spec {
  return shopSpec({
    infra: [
      dbService(),
      infraService('proxy', {
        containerName: PROXY,
        image: APP_V1,
        networks: [NET],
        ports: [{ hostIp: '127.0.0.1', hostPort: 8443, containerPort: 8000, protocol: 'tcp' }],
      }),
    ],
    ...overrides,
  });
}

const validReport = new Ajv2020.default({
  strict: true,
  allowUnionTypes: true,
  validateFormats: false,
}).compile(
  JSON.parse(readFileSync(new URL('../../../schemas/status.schema.json', import.meta.url), 'utf8')) as object,
);

/** The report, checked against schemas/status.schema.json every time. */
async function status(h: Harness, spec: Spec) {
  const r = await readStatus(h.engine, spec, () => h.clock.now());
  const ok = validReport(JSON.parse(JSON.stringify(r)));
  expect(ok, JSON.stringify(validReport.errors)).toBe(true);
  return r;
}

describe('status report on the fake engine', () => {
  it('all running and healthy: ok, one row per infra and live app service, kept generation, nothing changed', async () => {
    const { h, spec } = await deployed();
    h.clock.advance(90_000);
    const mark = h.mark();
    const r = await status(h, spec);
    expect(h.mutationsSince(mark)).toEqual([]);
    // A constant number of engine calls: 1 container list (2 queries inside the real engine),
    // 1 image list, 1 inspect per row (db, proxy, backend, frontend).
    const calls = h.callsSince(mark).map((c) => c.method);
    expect(calls.filter((m) => m === 'listContainers')).toHaveLength(1);
    expect(calls.filter((m) => m === 'listImages')).toHaveLength(1);
    expect(calls.filter((m) => m === 'inspectContainer')).toHaveLength(4);
    expect(calls).toHaveLength(6);

    expect(r).toMatchObject({
      v: 1,
      project: PROJECT,
      ok: true,
      live_generation: 'd2',
      problems: [],
      orphans: [],
    });
    expect(
      r.services.map((s) => [s.service, s.role, s.container, s.generation, s.state, s.health, s.protected]),
    ).toEqual([
      ['db', 'infra', DB, null, 'running', 'healthy', true],
      ['proxy', 'infra', PROXY, null, 'running', null, true],
      ['backend', 'app', app('backend', 'd2'), 'd2', 'running', 'healthy', false],
      ['frontend', 'app', app('frontend', 'd2'), 'd2', 'running', 'healthy', false],
    ]);
    expect(r.services.every((s) => s.ok && s.drift.length === 0 && s.drift_summary === null)).toBe(true);
    expect(r.services.find((s) => s.service === 'proxy')?.ports).toEqual([
      { host_ip: '127.0.0.1', host_port: 8443, container_port: 8000, protocol: 'tcp' },
    ]);
    const backendRow = r.services.find((s) => s.service === 'backend');
    const started = h.engine.container(app('backend', 'd2'))?.startedAt ?? 0;
    expect(backendRow?.uptime_s).toBe(Math.floor((h.clock.now() - started) / 1000));
    expect(backendRow?.uptime_s).toBeGreaterThanOrEqual(90);
    expect(backendRow?.started_at).toBe(new Date(started).toISOString());
    expect(r.kept_generations).toEqual([
      {
        deploy_id: 'd1',
        created_at: expect.any(String),
        containers: [
          { name: app('backend', 'd1'), service: 'backend', state: 'exited' },
          { name: app('frontend', 'd1'), service: 'frontend', state: 'exited' },
        ],
      },
    ]);
    const text = renderStatusText(r, plainStyle);
    expect(text).toContain('OK: all infra and the live generation are running and healthy.');
    expect(text).toContain('127.0.0.1:8443->8000/tcp');
    expect(text).toMatch(/d1 {2}shop_backend_d1 \(exited\), shop_frontend_d1 \(exited\)/);
  });

  it('an unhealthy live app: not ok, with the last probe output', async () => {
    const { h, spec } = await deployed();
    h.engine.setHealthSequence(
      app('backend', 'd2'),
      ['unhealthy', 'unhealthy', 'unhealthy'],
      'wget: server returned error: HTTP/1.0 404 Not Found\n',
    );
    const r = await status(h, spec);
    expect(r.ok).toBe(false);
    const row = r.services.find((s) => s.service === 'backend');
    expect(row).toMatchObject({
      state: 'running',
      health: 'unhealthy',
      ok: false,
      health_output: 'wget: server returned error: HTTP/1.0 404 Not Found',
    });
    expect(r.problems).toEqual([
      `backend: ${app('backend', 'd2')} is running but unhealthy; last probe: wget: server returned error: HTTP/1.0 404 Not Found`,
    ]);
    const text = renderStatusText(r, plainStyle);
    expect(text).toContain('NOT OK: 1 problem(s); nothing was changed.');
    expect(text).toContain('last probe: wget: server returned error');
  });

  it('a stopped infra service: not ok, with its exit code; a missing one: not ok, named', async () => {
    const { h, spec } = await deployed();
    const dbId = h.idOf(DB) ?? '';
    await h.engine.stopContainer(dbId, 1000);
    let r = await status(h, spec);
    expect(r.ok).toBe(false);
    expect(r.services[0]).toMatchObject({
      service: 'db',
      state: 'exited',
      exit_code: 0,
      health: null,
      uptime_s: null,
      ok: false,
    });
    expect(r.problems).toEqual([`db: ${DB} is exited (exit code 0)`]);

    await h.engine.removeContainer(dbId);
    r = await status(h, spec);
    expect(r.services[0]).toMatchObject({
      service: 'db',
      container: DB,
      container_id: null,
      state: 'missing',
      ok: false,
    });
    expect(r.problems[0]).toContain(`container ${DB} does not exist`);
  });

  it('no generation deployed yet: not ok, app rows missing', async () => {
    const h = new Harness();
    const spec = withProxy();
    const r = await status(h, spec);
    expect(r.ok).toBe(false);
    expect(r.live_generation).toBeNull();
    expect(r.services.map((s) => s.state)).toEqual(['missing', 'missing', 'missing', 'missing']);
    expect(r.problems).toContain('backend: no generation of the apps runs (`deployctl apply` deploys one)');
  });

  it('a live app stopped by hand: the newest running generation is live, the stopped one reported', async () => {
    const { h, spec } = await deployed();
    await h.engine.stopContainer(h.idOf(app('frontend', 'd2')) ?? '', 1000);
    const r = await status(h, spec);
    expect(r.ok).toBe(false);
    expect(r.live_generation).toBe('d2');
    expect(r.services.find((s) => s.service === 'frontend')).toMatchObject({ state: 'exited', ok: false });
  });

  it('orphans: labelled without a generation, and unlabelled named like an app, listed and never touched', async () => {
    const { h, spec } = await deployed();
    h.engine.addContainer({ name: 'shop_backend_handmade', image: APP_V1 });
    h.engine.addContainer({
      name: 'shop_worker_x',
      image: APP_V1,
      labels: { 'deployctl.project': PROJECT, 'deployctl.role': 'app', 'deployctl.service': 'worker' },
    });
    h.engine.addContainer(
      {
        name: 'shop_cache',
        image: APP_V1,
        labels: { 'deployctl.project': PROJECT, 'deployctl.role': 'infra' },
      },
      'exited',
    );
    h.engine.addContainer({ name: 'unrelated_backend_1', image: APP_V1 });
    const mark = h.mark();
    const r = await status(h, spec);
    expect(h.mutationsSince(mark)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.orphans.map((o) => [o.container, o.state, o.labelled, o.why])).toEqual([
      [
        'shop_backend_handmade',
        'running',
        false,
        'named like an app of this project but not created by deployctl',
      ],
      ['shop_cache', 'exited', true, 'infra container no longer in the spec'],
      ['shop_worker_x', 'running', true, 'app container without a deploy id'],
    ]);
    expect(renderStatusText(r, plainStyle)).toContain('shop_backend_handmade  running  named like an app');
    for (const name of ['shop_backend_handmade', 'shop_worker_x', 'shop_cache', 'unrelated_backend_1'])
      expect(h.engine.container(name)).toBeDefined();
  });

  it('drift: the plan comparison against a changed spec, secrets masked; status stays ok', async () => {
    const { h } = await deployed();
    const changed = withProxy({
      apps: [
        backend(APP_V1, {
          environment: { LOG_LEVEL: 'debug', API_TOKEN: 'tok-secret-1' },
          sensitiveKeys: ['API_TOKEN'],
        }),
        frontend(),
      ],
      sensitiveValues: ['db-secret-value', 'tok-secret-1'],
    });
    const r = await status(h, changed);
    expect(r.ok).toBe(true);
    const row = r.services.find((s) => s.service === 'backend');
    expect(row?.drift.length).toBeGreaterThan(0);
    expect(row?.drift_summary).toBeTruthy();
    expect(row?.drift.map((d) => d.field).join(' ')).toContain('API_TOKEN');
    expect(JSON.stringify(r)).not.toContain('tok-secret-1');
    expect(r.services.find((s) => s.service === 'frontend')?.drift).toEqual([]);
    expect(renderStatusText(r, plainStyle)).toContain('Drift from the spec');
  });

  it('a service with a value unknown here (variable not set): not compared, no false drift', async () => {
    const { h } = await deployed();
    const changed = withProxy({
      apps: [backend(APP_V1, { environment: { LOG_LEVEL: '' } }), frontend()],
    });
    changed.unresolved = [['apps', 'services', 'backend', 'environment', 'LOG_LEVEL']];
    const r = await status(h, changed);
    const row = r.services.find((s) => s.service === 'backend');
    expect(row).toMatchObject({
      drift: [],
      drift_summary: 'not compared: environment.LOG_LEVEL unknown here',
      ok: true,
    });
    // The same spec without the mark is drift: the mark is what keeps status honest.
    const marked = await status(h, { ...changed, unresolved: [] });
    expect(marked.services.find((s) => s.service === 'backend')?.drift.length).toBeGreaterThan(0);
  });

  it('a live service the spec no longer names: shown and not ok', async () => {
    const { h } = await deployed();
    const r = await status(h, withProxy({ apps: [backend()] }));
    expect(r.ok).toBe(false);
    expect(r.services.map((s) => s.service)).toEqual(['db', 'proxy', 'backend', 'frontend']);
    expect(r.problems[0]).toContain(
      'service "frontend" runs in the live generation but is no longer in the spec',
    );
  });
});
