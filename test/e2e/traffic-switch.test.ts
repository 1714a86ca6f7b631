/**
 * Traffic switching through a real reverse proxy (Caddy, the fixture proxy image): a request
 * loop on keep-alive and fresh connections runs through the proxy's published loopback port
 * while generations change (five deploys alternating v1/v2, a deploy whose new generation fails
 * its healthcheck, one interrupted with Ctrl+C, one killed, a rollback, edited routes, a reload
 * Caddy refuses), and every answer is checked: zero failures (non-2xx, errors, resets,
 * timeouts), every answer from a healthy generation, the version flipping once per deploy and
 * for good before it completes, and the proxy container never recreated nor restarted.
 */
import { rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { output } from './apply-stack.js';
import { deployctl, startCli, writeSpec, type CliOptions, type CliRun } from './support/cli.js';
import { cleanupProject, docker, execIn, uniqueProject, waitFor } from './support/engine.js';
import {
  describeFailures,
  getThrough,
  isFailure,
  startRequestLoop,
  type Sample,
} from '../../bench/support/request-loop.js';
import { trafficStackYaml } from '../../bench/support/traffic-stack.js';

const API = 'api.traffic.localhost';
const WEB = 'www.traffic.localhost';

function yaml(project: string): string {
  return trafficStackYaml(project, {
    api: API,
    drain: '${DRAIN:-1s}',
    keepGenerations: 1,
    frontendTagVar: 'FRONT_TAG',
    frontendAfterBackend: true,
  });
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

const get = (host: string): Promise<string> => getThrough(port, host);

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
    rate: 100,
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

interface Deploy {
  tag: string;
  start: number;
  end: number;
}

/**
 * The version served flips once per deploy, for good, before the deploy completes: whatever
 * ended before a deploy started answered the previous version; once one answer of the new
 * version has ended, every request started after it gets the new version (no flapping back);
 * and that first answer came before the apply returned. Per host, since each route has its own.
 */
function expectFlips(samples: Sample[], deploys: Deploy[], initial: Record<string, string>): void {
  const previous = { ...initial };
  for (const [i, d] of deploys.entries()) {
    const until = deploys[i + 1]?.start ?? Infinity;
    for (const host of Object.keys(previous)) {
      const mine = samples.filter((s) => s.host === host);
      const before = mine.filter((s) => s.end < d.start && s.start > (deploys[i - 1]?.end ?? 0));
      expect(new Set(before.map((s) => s.body)), `${host} before deploy ${i + 1}`).toEqual(
        new Set([previous[host]]),
      );
      const during = mine.filter((s) => s.start >= d.start && s.start < until);
      const flip = Math.min(...during.filter((s) => s.body === d.tag).map((s) => s.end));
      expect(flip, `${host}: deploy ${i + 1} never served ${d.tag}`).toBeLessThanOrEqual(d.end);
      const late = during.filter((s) => s.start > flip && s.body !== d.tag);
      expect(late, `${host}: answers of the old version after the flip of deploy ${i + 1}`).toEqual([]);
      expect(mine.filter((s) => s.start > d.end && s.start < until).length).toBeGreaterThan(0);
      previous[host] = d.tag;
    }
  }
}

interface PlanJson {
  summary: Record<string, number>;
  actions: {
    kind: string;
    reason: string;
    phase: string;
    name: string;
    changes: { field: string; before: string | null; after: string | null }[];
  }[];
}

/** The routes file the proxy loads when it starts, as deployctl last recorded it. */
async function routesFile(): Promise<string> {
  const { stdout } = await execIn(`${project}_proxy`, ['cat', '/etc/caddy/deployctl.json']);
  return stdout.toString('utf8');
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

  it('plan shows the switch to a new generation as a route action', async () => {
    const plan = await cli(['plan', '--deploy-id', 'g1', '--json'], tags('v2'));
    expect(plan.code, output(plan)).toBe(0);
    const json = JSON.parse(plan.stdout) as PlanJson;
    expect(json.summary.route).toBe(1);
    const route = json.actions.find((a) => a.kind === 'route');
    expect(route).toMatchObject({ reason: 'routes_switch', phase: 'traffic', name: `${project}_proxy` });
    expect(route?.changes.map((c) => [c.field, c.before, c.after])).toContainEqual([
      `routes[${API}]`,
      `${app('backend', 'g0')}:8000`,
      `${app('backend', 'g1')}:8000`,
    ]);
  });

  it('five deploys alternating v1/v2: zero failed requests, the version flips once per deploy and for good before it completes', async () => {
    const l = loop();
    const deploys: Deploy[] = [];
    await new Promise((r) => setTimeout(r, 1500));
    for (const [i, tag] of ['v2', 'v1', 'v2', 'v1', 'v2'].entries()) {
      const start = Date.now();
      const run = await cli(['apply', '-y', '--deploy-id', `g${i + 1}`], tags(tag));
      expect(run.code, output(run)).toBe(0);
      deploys.push({ tag, start, end: Date.now() });
      await new Promise((r) => setTimeout(r, 1500));
    }
    const samples = await l.stop();
    expectClean(samples, ['v1', 'v2']);
    expectFlips(samples, deploys, { [API]: 'v1', [WEB]: 'v2' });
    // Only the last generation runs; the proxy is the very same container, never restarted.
    expect(await stateOf(app('backend', 'g5'))).toBe('running');
    expect(await stateOf(app('backend', 'g4'))).toBe('exited');
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
    expect(await stateOf(app('backend', 'g5'))).toBe('running');
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
    expect(await stateOf(app('backend', 'g5'))).toBe('running'); // not retired yet
    const again = await cli(['apply', '-y', '--deploy-id', 'k1'], tags('v1'));
    expect(again.code, output(again)).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await l.stop();
    expectClean(samples, ['v1', 'v2']);
    const lastSecond = samples.filter((s) => s.start > Date.now() - 900);
    expect(new Set(lastSecond.map((s) => s.body))).toEqual(new Set(['v1']));
    expect(await stateOf(app('backend', 'k1'))).toBe('running');
    expect(await stateOf(app('backend', 'g5'))).toBe('exited');
    expect(await proxyIdentity()).toEqual(proxyBefore);
    const plan = await cli(['plan', '--detailed-exitcode'], tags('v1'));
    expect(plan.code, output(plan)).toBe(0);
  });

  it('rollback puts the kept generation back and routes to it before retiring the current one: no failed request', async () => {
    const l = loop();
    await new Promise((r) => setTimeout(r, 1000));
    const back = await cli(['rollback', 'g5', '-y'], tags('v1'));
    expect(back.code, output(back)).toBe(0);
    await new Promise((r) => setTimeout(r, 2000));
    const samples = await l.stop();
    expectClean(samples, ['v1', 'v2']);
    const lastSecond = samples.filter((s) => s.start > Date.now() - 1500);
    expect(new Set(lastSecond.map((s) => s.body))).toEqual(new Set(['v2']));
    expect(await stateOf(app('backend', 'g5'))).toBe('running');
    expect(await stateOf(app('backend', 'k1'))).toBe('exited');
    expect(await proxyIdentity()).toEqual(proxyBefore);
  });

  it('routes edited in the spec: plan shows a route action (exit 2), apply loads them without a new generation', async () => {
    await writeFile(specPath, yaml(project).replace(`host: ${API}`, 'host: api2.traffic.localhost'));
    const plan = await cli(['plan', '--deploy-id', 'g5', '--detailed-exitcode'], tags('v2'));
    expect(plan.code, output(plan)).toBe(2);
    expect(plan.stdout).toMatch(
      new RegExp(`~>\\s+routes ${project}_proxy \\(proxy\\): routes differ from the spec`),
    );
    expect(plan.stdout).toContain(`- routes[${API}]: ${app('backend', 'g5')}:8000`);
    expect(plan.stdout).toContain(`+ routes[api2.traffic.localhost]: ${app('backend', 'g5')}:8000`);
    expect(plan.stdout).toMatch(/^Plan: 0 to create, 0 to replace, 0 to stop, 0 to remove, 1 to reroute$/m);
    const json = JSON.parse(
      (await cli(['plan', '--deploy-id', 'g5', '--json'], tags('v2'))).stdout,
    ) as PlanJson;
    expect(json.summary.route).toBe(1);
    expect(json.actions.filter((a) => a.kind !== 'noop').map((a) => `${a.kind}:${a.reason}`)).toEqual([
      'route:routes_changed',
    ]);
    const run = await cli(['apply', '-y', '--deploy-id', 'g5'], tags('v2'));
    expect(run.code, output(run)).toBe(0);
    expect(await get('api2.traffic.localhost')).toBe('200 v2');
    expect(await stateOf(app('backend', 'g5'))).toBe('running');
    const again = await cli(['apply', '-y', '--deploy-id', 'g5'], tags('v2'));
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/Nothing to do/);
    const after = await cli(['plan', '--deploy-id', 'g5', '--detailed-exitcode'], tags('v2'));
    expect(after.code, output(after)).toBe(0);
    expect(await proxyIdentity()).toEqual(proxyBefore);
  });

  it('a reload Caddy refuses: the new generation is rolled back, the proxy and its routes file stay on the old one, a re-run converges', async () => {
    const routed = await routesFile();
    // Caddy's admin API moved off localhost:2019 (same routes): `caddy reload` cannot load.
    await execIn(`${project}_proxy`, [
      'sh',
      '-c',
      'sed s/localhost:2019/localhost:2020/ /etc/caddy/deployctl.json > /tmp/moved.json && caddy reload --config /tmp/moved.json --address localhost:2019',
    ]);
    const l = loop();
    await new Promise((r) => setTimeout(r, 1000));
    const run = await cli(['apply', '-y', '--deploy-id', 'rf'], tags('v1'));
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain('TRAFFIC_SWITCH_FAILED');
    expect(run.stderr).toMatch(/caddy reload exited with 1/);
    expect(run.stderr).toMatch(/Rolled back/);
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await l.stop();
    expectClean(samples, ['v2']);
    expect(await stateOf(app('backend', 'rf'))).toBeUndefined();
    expect(await stateOf(app('backend', 'g5'))).toBe('running');
    // What a restarted proxy would load is still what it runs: the old generation's routes.
    expect(await routesFile()).toBe(routed);
    const plan = await cli(['plan', '--deploy-id', 'g5', '--detailed-exitcode'], tags('v2'));
    expect(plan.code, output(plan)).toBe(0);
    // Admin API back: the same apply converges.
    await execIn(`${project}_proxy`, [
      'caddy',
      'reload',
      '--config',
      '/etc/caddy/deployctl.json',
      '--address',
      'localhost:2020',
    ]);
    const again = await cli(['apply', '-y', '--deploy-id', 'rf'], tags('v1'));
    expect(again.code, output(again)).toBe(0);
    expect(await get('api2.traffic.localhost')).toBe('200 v1');
    expect(await routesFile()).not.toBe(routed);
    expect(await proxyIdentity()).toEqual(proxyBefore);
  });
});
