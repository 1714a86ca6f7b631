/**
 * Requests through the real proxy while generations switch: the fixture Caddy proxy in front of
 * a backend and a frontend (fixture app v1/v2), a request loop on keep-alive and fresh loopback
 * connections, first with nothing happening (the baseline), then during `--deploys N` applies
 * alternating v1/v2, then during one apply whose new generation fails its healthcheck (automatic
 * rollback). Prints, per phase: requests, failures by kind, answers per version, latency
 * percentiles, and each apply's wall time. Figures, not assertions: the e2e test
 * test/e2e/traffic-switch.test.ts is what proves zero failed requests.
 *
 *   node dist/bench/traffic.js [--deploys 4] [--rate 100]
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { deployctl, writeSpec, type CliOptions } from '../test/e2e/support/cli.js';
import { cleanupProject, docker, uniqueProject } from '../test/e2e/support/engine.js';
import { formatLoad, hostLoad } from './support/host-load.js';
import {
  describeFailures,
  isFailure,
  percentile,
  startRequestLoop,
  type Sample,
} from './support/request-loop.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const DEPLOYS = flag('deploys', 4);
const RATE = flag('rate', 100);
const BASELINE_MS = flag('baseline-ms', 10_000);
const API = 'api.bench.localhost';
const WEB = 'www.bench.localhost';

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
      image: deployctl-fixture/proxy:caddy
      ports: ["127.0.0.1::80"]
      networks: [${net}]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:2019/config/"], interval: 1s, retries: 20 }
apps:
  services:
    backend:
      image: deployctl-fixture/app:\${TAG:-v1}
      environment: { UNHEALTHY: "\${UNHEALTHY:-}" }
      networks: [${net}]
      healthcheck: ${health}
      stop_grace_period: 5s
    frontend:
      image: deployctl-fixture/app:\${TAG:-v1}
      networks: [${net}]
      healthcheck: ${health}
      stop_grace_period: 5s
proxy:
  service: proxy
  listen: 8080
  drain: 2s
  routes:
    - { host: ${API}, service: backend, port: 8000 }
    - { service: frontend, port: 8000 }
cleanup:
  keep_generations: 1
`;
}

interface Phase {
  name: string;
  samples: Sample[];
  applies: { id: string; ms: number; code: number | null }[];
}

function report(p: Phase): void {
  const ok = p.samples.filter((s) => !isFailure(s));
  const versions = new Map<string, number>();
  for (const s of ok) versions.set(s.body ?? '', (versions.get(s.body ?? '') ?? 0) + 1);
  const keepAlive = p.samples.filter((s) => s.keepAlive).length;
  const lines = [
    `${p.name}`,
    `  requests      ${p.samples.length} (${keepAlive} keep-alive, ${p.samples.length - keepAlive} fresh connection)`,
    `  failed        ${p.samples.length - ok.length} (${describeFailures(p.samples)})`,
    `  answers       ${[...versions].map(([v, n]) => `${v}: ${n}`).join(', ') || 'none'}`,
    `  latency ms    p50 ${percentile(ok, 50)}  p95 ${percentile(ok, 95)}  p99 ${percentile(ok, 99)}  max ${percentile(ok, 100)}`,
  ];
  if (p.applies.length > 0) {
    lines.push(
      `  applies       ${p.applies.map((a) => `${a.id} exit ${a.code} in ${(a.ms / 1000).toFixed(1)} s`).join(', ')}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

const project = uniqueProject('bench-traffic');
const specPath = await writeSpec(yaml(project));
let stopping = false;
async function cleanup(): Promise<void> {
  await cleanupProject(project).catch(() => undefined);
  await rm(dirname(specPath), { recursive: true, force: true });
}
process.on('SIGINT', () => {
  if (stopping) return;
  stopping = true;
  void cleanup().then(() => process.exit(130));
});

const cli = (args: string[], env: Record<string, string>): ReturnType<typeof deployctl> =>
  deployctl([...args, '--file', specPath], { cwd: dirname(specPath), env } satisfies CliOptions);

try {
  process.stdout.write(
    `traffic bench: project ${project}, ${RATE} req/s target, ${formatLoad(hostLoad())}\n`,
  );
  const first = await cli(['apply', '-y', '--deploy-id', 't0'], { TAG: 'v1' });
  if (first.code !== 0) throw new Error(`the first apply failed:\n${first.stderr}`);
  const info = await docker.getContainer(`${project}_proxy`).inspect();
  const port = Number(info.NetworkSettings.Ports['80/tcp']?.[0]?.HostPort);
  const loop = (): ReturnType<typeof startRequestLoop> =>
    startRequestLoop({
      port,
      hosts: [API, WEB],
      keepAliveWorkers: 4,
      freshWorkers: 2,
      rate: RATE,
      maxRequests: 1_000_000,
      maxMs: 3_600_000,
      timeoutMs: 30_000,
    });

  const base = loop();
  await new Promise((r) => setTimeout(r, BASELINE_MS));
  report({ name: `baseline (${BASELINE_MS / 1000} s, no deploy)`, samples: await base.stop(), applies: [] });

  const during = loop();
  const applies: Phase['applies'] = [];
  for (let i = 1; i <= DEPLOYS; i++) {
    const id = `t${i}`;
    const start = Date.now();
    const run = await cli(['apply', '-y', '--deploy-id', id], { TAG: i % 2 === 1 ? 'v2' : 'v1' });
    applies.push({ id, ms: Date.now() - start, code: run.code });
  }
  report({ name: `during ${DEPLOYS} deploys alternating v1/v2`, samples: await during.stop(), applies });

  const bad = loop();
  const start = Date.now();
  const run = await cli(['apply', '-y', '--deploy-id', 'unhealthy'], {
    TAG: DEPLOYS % 2 === 1 ? 'v2' : 'v1',
    UNHEALTHY: '1',
    RETRIES: '2',
  });
  report({
    name: 'during a deploy whose new generation fails its healthcheck (rolled back)',
    samples: await bad.stop(),
    applies: [{ id: 'unhealthy', ms: Date.now() - start, code: run.code }],
  });
  process.stdout.write(`traffic bench: done, ${formatLoad(hostLoad())}\n`);
} finally {
  if (!stopping) await cleanup();
}
