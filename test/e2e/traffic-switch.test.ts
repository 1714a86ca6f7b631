/**
 * Traffic switching through a real reverse proxy (Caddy, the fixture proxy image): a request
 * loop on keep-alive and fresh connections runs through the proxy's published loopback port
 * while generations change, and every answer is checked: zero failures (non-2xx, errors,
 * resets, timeouts), every answer from a healthy generation, the version flipping when each
 * deploy completes, and the proxy container never recreated nor restarted.
 */
import { rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { output } from './apply-stack.js';
import { deployctl, startCli, writeSpec, type CliOptions, type CliRun } from './support/cli.js';
import { cleanupProject, docker, uniqueProject, waitFor } from './support/engine.js';
import {
  describeFailures,
  isFailure,
  startRequestLoop,
  type Sample,
} from '../../bench/support/request-loop.js';

const APP = 'deployctl-fixture/app';
const PROXY = 'deployctl-fixture/proxy:caddy';
const API = 'api.traffic.localhost';
const WEB = 'www.traffic.localhost';

function yaml(project: string): string {
  const net = `${project}_net`;
  const health = `{ test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: "\${RETRIES:-20}" }`;
  return `version: 1
project: ${project}
infra:
  networks:
    ${net}: {}
  services:
    proxy:
      container_name: ${project}_proxy
      image: ${PROXY}
      ports: ["127.0.0.1::80"]
      networks: [${net}]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:2019/config/"], interval: 1s, retries: 20 }
apps:
  services:
    backend:
      image: ${APP}:\${TAG:-v1}
      environment: { UNHEALTHY: "\${UNHEALTHY:-}" }
      networks: [${net}]
      healthcheck: ${health}
      wait_timeout: \${WAIT:-60s}
      stop_grace_period: 5s
    frontend:
      image: ${APP}:\${FRONT_TAG:-v1}
      networks: [${net}]
      healthcheck: ${health}
      stop_grace_period: 5s
      depends_on: [backend]
proxy:
  service: proxy
  listen: 8080
  drain: \${DRAIN:-1s}
  routes:
    - { host: ${API}, service: backend, port: 8000 }
    - { service: frontend, port: 8000 }
cleanup:
  keep_generations: 1
`;
}

let project: string;
let specPath: string;
let port: number;
let proxyBefore: { id: string; startedAt: string };

const cli = (args: string[], opts: CliOptions = {}): Promise<CliRun> =>
  deployctl([...args, '--file', specPath], { cwd: dirname(specPath), ...opts });
const tags = (tag: string, extra: Record<string, string> = {}): CliOptions => ({
  env: { TAG: tag, FRONT_TAG: tag, ...extra },
});
const app = (service: string, id: string): string => `${project}_${service}_${id}`;

async function proxyIdentity(): Promise<{ id: string; startedAt: string }> {
  const info = await docker.getContainer(`${project}_proxy`).inspect();
  return { id: info.Id, startedAt: info.State.StartedAt };
}

/** GET /version through the proxy with a Host header (fetch() may not set Host). */
function get(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpGet(
      { host: '127.0.0.1', port, path: '/version', headers: { host }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(`${res.statusCode} ${body.trim()}`));
      },
    );
    req.on('error', reject);
  });
}

async function stateOf(name: string): Promise<string | undefined> {
  try {
    return (await docker.getContainer(name).inspect()).State.Status;
  } catch {
    return undefined;
  }
}

function loop(): ReturnType<typeof startRequestLoop> {
  return startRequestLoop({
    port,
    hosts: [API, WEB],
    keepAliveWorkers: 3,
    freshWorkers: 2,
    // Light enough for a loaded 2-core host; bounded in count and time, loopback only.
    rate: 60,
    maxRequests: 60_000,
    maxMs: 840_000,
    // A slow answer on a busy host is not a failed one; a request that never ends is.
    timeoutMs: 30_000,
  });
}

/** Zero failures, and every answer one of the versions a healthy generation served. */
function expectClean(samples: Sample[], versions: string[]): void {
  const failures = samples.filter(isFailure);
  expect(failures.length, `failed requests: ${describeFailures(samples)}`).toBe(0);
  expect(samples.length).toBeGreaterThan(100);
  expect([...new Set(samples.map((s) => s.body))].sort()).toEqual([...versions].sort());
  expect(samples.some((s) => s.keepAlive) && samples.some((s) => !s.keepAlive)).toBe(true);
}

beforeAll(async () => {
  project = uniqueProject('traffic');
  specPath = await writeSpec(yaml(project));
  const first = await cli(['apply', '-y', '--deploy-id', 'g0'], { env: { TAG: 'v1', FRONT_TAG: 'v2' } });
  expect(first.code, output(first)).toBe(0);
  const info = await docker.getContainer(`${project}_proxy`).inspect();
  port = Number(info.NetworkSettings.Ports['80/tcp']?.[0]?.HostPort);
  proxyBefore = await proxyIdentity();
});

afterAll(async () => {
  await cleanupProject(project);
  await rm(dirname(specPath), { recursive: true, force: true });
});

describe('traffic switching through the real proxy', { timeout: 900_000 }, () => {
  it('routes Host api.* to the backend and every other host to the frontend', async () => {
    expect(await get(API)).toBe('200 v1');
    expect(await get(WEB)).toBe('200 v2');
    expect(await get('anything.else')).toBe('200 v2');
  });

  it('three deploys alternating v1/v2: zero failed requests, the version flips when each deploy completes', async () => {
    const l = loop();
    const deploys: { tag: string; start: number; end: number }[] = [];
    await new Promise((r) => setTimeout(r, 1500));
    for (const [i, tag] of ['v2', 'v1', 'v2'].entries()) {
      const start = Date.now();
      const run = await cli(['apply', '-y', '--deploy-id', `g${i + 1}`], tags(tag));
      expect(run.code, output(run)).toBe(0);
      deploys.push({ tag, start, end: Date.now() });
      await new Promise((r) => setTimeout(r, 2000));
    }
    const samples = await l.stop();
    expectClean(samples, ['v1', 'v2']);
    // Before a deploy starts, the previous version answers; once it has completed, the new one.
    let previous = { api: 'v1', web: 'v2' };
    for (const d of deploys) {
      const before = samples.filter((s) => s.end < d.start);
      const after = samples.filter(
        (s) => s.start > d.end && s.end < (deploys[deploys.indexOf(d) + 1]?.start ?? Infinity),
      );
      expect(after.length).toBeGreaterThan(0);
      expect(new Set(after.map((s) => s.body))).toEqual(new Set([d.tag]));
      const lastBefore = before.filter((s) => s.start > d.start - 800);
      for (const s of lastBefore) expect(s.body).toBe(s.host === API ? previous.api : previous.web);
      previous = { api: d.tag, web: d.tag };
    }
    // Only the last generation runs; the proxy is the very same container, never restarted.
    expect(await stateOf(app('backend', 'g3'))).toBe('running');
    expect(await stateOf(app('backend', 'g2'))).toBe('exited');
    expect(await proxyIdentity()).toEqual(proxyBefore);
  });

  it('a new generation that fails its healthcheck is rolled back and never gets a request', async () => {
    const l = loop();
    await new Promise((r) => setTimeout(r, 1000));
    const run = await cli(
      ['apply', '-y', '--deploy-id', 'bad'],
      tags('v1', { UNHEALTHY: '1', RETRIES: '2' }),
    );
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toMatch(/rolled back|Rolled back/);
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await l.stop();
    expectClean(samples, ['v2']);
    expect(await stateOf(app('backend', 'bad'))).toBeUndefined();
    expect(await stateOf(app('backend', 'g3'))).toBe('running');
    expect(await proxyIdentity()).toEqual(proxyBefore);
  });

  it('Ctrl+C while the new generation starts: it never gets a request, the old one keeps serving', async () => {
    const l = loop();
    await new Promise((r) => setTimeout(r, 1000));
    // Never healthy, long wait: the run is waiting on it when interrupted.
    const run = startCli(['apply', '-y', '--deploy-id', 'int', '--file', specPath], {
      cwd: dirname(specPath),
      ...tags('v1', { UNHEALTHY: '1', WAIT: '120s', RETRIES: '100' }),
    });
    await waitFor(
      'the new backend to start',
      async () => (await stateOf(app('backend', 'int'))) === 'running',
      300_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code, output(done)).toBe(130);
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await l.stop();
    expectClean(samples, ['v2']);
    expect(await stateOf(app('backend', 'int'))).toBeUndefined();
    expect(await proxyIdentity()).toEqual(proxyBefore);
  });

  it('killed with -9 after the switch (while draining), a re-run converges: no failed request throughout', async () => {
    const l = loop();
    await new Promise((r) => setTimeout(r, 1000));
    const run = startCli(['apply', '-y', '--deploy-id', 'k1', '--file', specPath], {
      cwd: dirname(specPath),
      // A long drain, so the kill surely lands after the switch and before the old one stops.
      ...tags('v1', { DRAIN: '60s' }),
    });
    // The proxy answers with the new generation: the switch is done, the drain has begun.
    await waitFor('the proxy to route to k1', async () => (await get(API)) === '200 v1', 600_000);
    run.child.kill('SIGKILL');
    await run.done;
    expect(await stateOf(app('backend', 'g3'))).toBe('running'); // not retired yet
    const again = await cli(['apply', '-y', '--deploy-id', 'k1'], tags('v1'));
    expect(again.code, output(again)).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await l.stop();
    expectClean(samples, ['v1', 'v2']);
    const lastSecond = samples.filter((s) => s.start > Date.now() - 900);
    expect(new Set(lastSecond.map((s) => s.body))).toEqual(new Set(['v1']));
    expect(await stateOf(app('backend', 'k1'))).toBe('running');
    expect(await stateOf(app('backend', 'g3'))).toBe('exited');
    expect(await proxyIdentity()).toEqual(proxyBefore);
    const plan = await cli(['plan', '--detailed-exitcode'], tags('v1'));
    expect(plan.code, output(plan)).toBe(0);
  });

  it('rollback puts the kept generation back and routes to it before retiring the current one: no failed request', async () => {
    const l = loop();
    await new Promise((r) => setTimeout(r, 1000));
    const back = await cli(['rollback', 'g3', '-y'], tags('v1'));
    expect(back.code, output(back)).toBe(0);
    await new Promise((r) => setTimeout(r, 2000));
    const samples = await l.stop();
    expectClean(samples, ['v1', 'v2']);
    const lastSecond = samples.filter((s) => s.start > Date.now() - 1500);
    expect(new Set(lastSecond.map((s) => s.body))).toEqual(new Set(['v2']));
    expect(await stateOf(app('backend', 'g3'))).toBe('running');
    expect(await stateOf(app('backend', 'k1'))).toBe('exited');
    expect(await proxyIdentity()).toEqual(proxyBefore);
  });

  it('routes edited in the spec reach the proxy without a new generation', async () => {
    await writeFile(specPath, yaml(project).replace(`host: ${API}`, 'host: api2.traffic.localhost'));
    const run = await cli(['apply', '-y', '--deploy-id', 'g3'], tags('v2'));
    expect(run.code, output(run)).toBe(0);
    expect(await get('api2.traffic.localhost')).toBe('200 v2');
    expect(await stateOf(app('backend', 'g3'))).toBe('running');
    const again = await cli(['apply', '-y', '--deploy-id', 'g3'], tags('v2'));
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/Nothing to do/);
    expect(await proxyIdentity()).toEqual(proxyBefore);
  });
});
