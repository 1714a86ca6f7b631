/**
 * Traffic switching (spec `proxy:`, the Caddy fixture proxy) against Podman's Docker API: a
 * private `podman system service`, the traffic stack (proxy as infra on a random loopback port,
 * `api` routed by Host header to the backend, every other host to the frontend), and a bounded
 * request loop through the proxy while generations change: two deploys alternating v2/v1 and one
 * whose new generation fails its healthcheck. Every answer is checked (the version flipping once
 * per deploy, the failed generation never answering), the proxy container is never recreated nor
 * restarted, and plan finds nothing to do after each successful apply. One Podman 4.3 limit
 * shows: a request whose upstream lookup falls in the moment a container joins or leaves the
 * network can fail (aardvark-dns < 1.11, see expectServed); every failure must be exactly that.
 * The engine is read through Podman's own API, not through deployctl.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeFailures,
  getThrough,
  isFailure,
  startRequestLoop,
  type Sample,
} from '../../bench/support/request-loop.js';
import { trafficStackYaml } from '../../bench/support/traffic-stack.js';
import { deployctl, writeSpec, type CliRun } from './support/cli.js';
import { uniqueProject } from './support/engine.js';
import { ensurePodman, startPodman, type PodmanService } from './support/podman.js';

const API = 'api.podtraffic.localhost';
const WEB = 'www.podtraffic.localhost';

const run = promisify(execFile);
const out = (r: CliRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let podman: PodmanService | undefined;
let project: string;
let specPath: string | undefined;
let port: number;
let proxyBefore: { id: string; startedAt: string };
/** Requests sent through the proxy during deploys, and those that failed (for the summary). */
const tally = { sent: 0, failed: 0 };

/** TAG moves the backend, FRONT_TAG the frontend; the other knobs are the stack's own. */
const cli = (args: string[], env: Record<string, string>): Promise<CliRun> =>
  deployctl([...args, '--file', specPath!], {
    cwd: dirname(specPath!),
    env: { DOCKER_HOST: podman!.host, ...env },
  });
const tags = (tag: string, extra: Record<string, string> = {}) => ({ TAG: tag, FRONT_TAG: tag, ...extra });
const app = (service: string, id: string): string => `${project}_${service}_${id}`;

async function proxyIdentity(): Promise<{ id: string; startedAt: string }> {
  const info = await podman!.api.getContainer(`${project}_proxy`).inspect();
  return { id: info.Id, startedAt: info.State.StartedAt };
}

async function stateOf(name: string): Promise<string | undefined> {
  try {
    return (await podman!.api.getContainer(name).inspect()).State.Status;
  } catch {
    return undefined;
  }
}

const get = (host: string): Promise<string> => getThrough(port, host);

/** Loopback only, ~60 req/s on keep-alive and fresh connections, bounded in count and time. */
const loop = () =>
  startRequestLoop({
    port,
    hosts: [API, WEB],
    keepAliveWorkers: 2,
    freshWorkers: 2,
    rate: 60,
    maxRequests: 20_000,
    maxMs: 300_000,
    // A slow answer on a busy host is not a failed one; a request that never ends is.
    timeoutMs: 30_000,
  });

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CaddyError {
  ts: number;
  msg: string;
  status?: number;
}

/** The errors the proxy's Caddy logged (JSON lines on its stderr) between two epoch ms. */
async function proxyErrors(from: number, to: number): Promise<CaddyError[]> {
  const { stdout } = await run('sh', ['-c', 'podman logs "$1" 2>&1', 'sh', `${project}_proxy`], {
    env: podman!.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    const entry = JSON.parse(line) as CaddyError & { level?: string };
    return entry.level === 'error' && entry.ts * 1000 >= from && entry.ts * 1000 <= to ? [entry] : [];
  });
}

/**
 * Exactly these versions answered, and the only failed requests are the ones Podman's DNS
 * dropped: aardvark-dns before 1.11 tears its listeners down and sets them up again whenever a
 * container joins or leaves the network (a deploy starts and stops generations), and a lookup
 * of an upstream's container name sent in that moment gets no answer. Caddy gives up on the dial
 * after its 3 s timeout; it retries (try_duration) unless the routes that request started under
 * were replaced meanwhile, in which case the client gets a 502. So every failure must be a 502
 * that the proxy logged as such a lookup timeout, one for one: a reset, a refused connection, a
 * 502 for any other reason or an answer from the wrong generation fails the test.
 */
async function expectServed(samples: Sample[], versions: string[]): Promise<void> {
  expect(samples.length).toBeGreaterThan(100);
  expect(samples.some((s) => s.keepAlive) && samples.some((s) => !s.keepAlive)).toBe(true);
  const ok = samples.filter((s) => !isFailure(s));
  expect([...new Set(ok.map((s) => s.body))].sort()).toEqual([...versions].sort());
  const failed = samples.filter(isFailure);
  expect(
    failed.filter((s) => s.status !== 502),
    `failed requests: ${describeFailures(samples)}`,
  ).toEqual([]);
  const from = Math.min(...samples.map((s) => s.start)) - 1000;
  const errors = await proxyErrors(from, Math.max(...samples.map((s) => s.end)) + 1000);
  const lookup = new RegExp(`^dial tcp: lookup ${project}_\\w+: i/o timeout$`);
  expect(errors.filter((e) => e.status !== 502 || !lookup.test(e.msg))).toEqual([]);
  expect(errors.length, `failed requests: ${describeFailures(samples)}`).toBe(failed.length);
  tally.sent += samples.length;
  tally.failed += failed.length;
}

/**
 * Per host: answers that ended before the deploy began are the previous version; every request
 * started after the apply returned gets the new version, and some did; and once one answer of
 * the new version has ended, no request started after it gets the old one (no flapping back).
 * (When the first new answer ends is not checked: a lookup Podman's DNS dropped can hold the
 * requests in flight at the switch past the end of the apply.)
 */
function expectFlip(
  samples: Sample[],
  d: { tag: string; start: number; end: number },
  previous: Record<string, string>,
): void {
  for (const [host, old] of Object.entries(previous)) {
    const mine = samples.filter((s) => s.host === host && !isFailure(s));
    expect(new Set(mine.filter((s) => s.end < d.start).map((s) => s.body)), `${host} before`).toEqual(
      new Set([old]),
    );
    const after = mine.filter((s) => s.start > d.end);
    expect(after.length, `${host} answered after the apply`).toBeGreaterThan(0);
    expect(new Set(after.map((s) => s.body)), `${host} after the apply`).toEqual(new Set([d.tag]));
    const during = mine.filter((s) => s.start >= d.start);
    const flip = Math.min(...during.filter((s) => s.body === d.tag).map((s) => s.end));
    expect(
      during.filter((s) => s.start > flip && s.body !== d.tag),
      `${host} flapped back`,
    ).toEqual([]);
  }
}

async function expectNoChanges(env: Record<string, string>): Promise<void> {
  const plan = await cli(['plan', '--detailed-exitcode'], env);
  expect(plan.code, out(plan)).toBe(0);
}

beforeAll(async () => {
  ensurePodman();
  podman = await startPodman();
  project = uniqueProject('podtraffic');
  specPath = await writeSpec(
    trafficStackYaml(project, { api: API, drain: '1s', keepGenerations: 1, frontendTagVar: 'FRONT_TAG' }),
  );
}, 900_000);

afterAll(async () => {
  console.info(
    `podman-traffic: ${tally.sent} requests during deploys, ${tally.failed} failed (DNS lookups dropped)`,
  );
  if (podman) {
    if (project) await podman.cleanup(project);
    await podman.stop();
  }
  if (specPath) await rm(dirname(specPath), { recursive: true, force: true });
});

describe('traffic switching through the Caddy proxy on podman system service', () => {
  it('first apply: the proxy on a random loopback port routes Host api.* to the backend, every other host to the frontend', async () => {
    const first = await cli(['apply', '-y', '--deploy-id', 'g0'], { TAG: 'v1', FRONT_TAG: 'v2' });
    expect(first.code, out(first)).toBe(0);
    expect(first.stderr).toMatch(/^Engine: .*, Podman 4\./m);
    const info = await podman!.api.getContainer(`${project}_proxy`).inspect();
    const binding = info.NetworkSettings.Ports['80/tcp']?.[0];
    expect(binding?.HostIp).toBe('127.0.0.1');
    port = Number(binding?.HostPort);
    expect(port).toBeGreaterThan(0);
    proxyBefore = await proxyIdentity();
    expect(await get(API)).toBe('200 v1');
    expect(await get(WEB)).toBe('200 v2');
    expect(await get('anything.else')).toBe('200 v2');
    await expectNoChanges({ TAG: 'v1', FRONT_TAG: 'v2' });
  });

  it("two deploys alternating v2/v1 under load: the version flips once, for good, by the end of each apply; no failed request but lookups Podman's DNS dropped", async () => {
    const l = loop();
    await pause(1500);
    const deploys: { tag: string; start: number; end: number }[] = [];
    for (const [i, tag] of ['v2', 'v1'].entries()) {
      const start = Date.now();
      const run = await cli(['apply', '-y', '--deploy-id', `g${i + 1}`], tags(tag));
      expect(run.code, out(run)).toBe(0);
      deploys.push({ tag, start, end: Date.now() });
      // Longer than a stalled lookup (Caddy's 3 s dial timeout, then its retry).
      await pause(5000);
    }
    const samples = await l.stop();
    await expectServed(samples, ['v1', 'v2']);
    expectFlip(
      samples.filter((s) => s.start < deploys[1]!.start),
      deploys[0]!,
      { [API]: 'v1', [WEB]: 'v2' },
    );
    expectFlip(
      samples.filter((s) => s.start > deploys[0]!.end),
      deploys[1]!,
      { [API]: 'v2', [WEB]: 'v2' },
    );
    expect(await stateOf(app('backend', 'g2'))).toBe('running');
    expect(await stateOf(app('backend', 'g1'))).toBe('exited');
    expect(await proxyIdentity()).toEqual(proxyBefore);
    await expectNoChanges(tags('v1'));
  });

  it('a new generation that fails its healthcheck is rolled back and never gets a request; the proxy is never restarted', async () => {
    const l = loop();
    await pause(1000);
    const run = await cli(
      ['apply', '-y', '--deploy-id', 'bad'],
      tags('v2', { UNHEALTHY: '1', RETRIES: '2' }),
    );
    expect(run.code, out(run)).toBe(1);
    expect(run.stderr).toContain('[CONTAINER_UNHEALTHY]');
    expect(run.stderr).toMatch(/rolled back|Rolled back/);
    await pause(5000);
    const samples = await l.stop();
    // v2 is what the failed generation would have answered: not one answer of it.
    await expectServed(samples, ['v1']);
    expect(await stateOf(app('backend', 'bad'))).toBeUndefined();
    expect(await stateOf(app('backend', 'g2'))).toBe('running');
    expect(await get(API)).toBe('200 v1');
    expect(await proxyIdentity()).toEqual(proxyBefore);
    await expectNoChanges(tags('v1'));
  });
});
