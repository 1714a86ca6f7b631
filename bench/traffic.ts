/**
 * Requests through the real proxy while generations switch: the fixture Caddy proxy in front of
 * a backend and a frontend (fixture app v1/v2), a request loop on keep-alive and fresh loopback
 * connections, first with nothing happening (the baseline), then during `--deploys N` applies
 * alternating v1/v2, one apply whose new generation fails its healthcheck (automatic rollback),
 * one apply interrupted with Ctrl+C (SIGINT) while it waits on the new generation, and a
 * `deployctl rollback`. Prints, per phase: requests, failures by kind, answers per version,
 * latency percentiles, and each command's wall time; then a table with PASS/MISS against issue
 * 11's targets (0 failed requests; only the serving version answers while a deploy fails or is
 * interrupted) and the latency during switches against the steady state. Figures, not
 * assertions: the e2e test test/e2e/traffic-switch.test.ts is what proves zero failed requests.
 *
 *   node dist/bench/traffic.js [--deploys 5] [--rate 100] [--baseline-ms 10000]
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { deployctl, startCli, writeSpec, type CliOptions } from '../test/e2e/support/cli.js';
import { cleanupProject, docker, uniqueProject } from '../test/e2e/support/engine.js';
import { formatLoad, hostLoad } from './support/host-load.js';
import { table, type Row } from './support/report.js';
import { trafficStackYaml } from './support/traffic-stack.js';
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

const DEPLOYS = flag('deploys', 5);
const RATE = flag('rate', 100);
const BASELINE_MS = flag('baseline-ms', 10_000);
const API = 'api.bench.localhost';
const WEB = 'www.bench.localhost';

function yaml(project: string): string {
  return trafficStackYaml(project, { api: API, drain: '2s', keepGenerations: 2 });
}

interface Phase {
  name: string;
  samples: Sample[];
  applies: { id: string; ms: number; code: number | null }[];
  /** The only version that may answer (a deploy that must not switch), if any. */
  only?: string;
}

function report(p: Phase): void {
  const ok = p.samples.filter((s) => !isFailure(s));
  const keepAlive = p.samples.filter((s) => s.keepAlive).length;
  const lines = [
    `${p.name}`,
    `  requests      ${p.samples.length} (${keepAlive} keep-alive, ${p.samples.length - keepAlive} fresh connection)`,
    `  failed        ${p.samples.length - ok.length} (${describeFailures(p.samples)})`,
    `  answers       ${[...versionsOf(ok)].map(([v, n]) => `${v}: ${n}`).join(', ') || 'none'}`,
    `  latency ms    p50 ${percentile(ok, 50)}  p95 ${percentile(ok, 95)}  p99 ${percentile(ok, 99)}  max ${percentile(ok, 100)}`,
  ];
  if (p.applies.length > 0) {
    lines.push(
      `  commands      ${p.applies.map((a) => `${a.id} exit ${a.code} in ${(a.ms / 1000).toFixed(1)} s`).join(', ')}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function versionsOf(samples: Sample[]): Map<string, number> {
  const versions = new Map<string, number>();
  for (const s of samples) versions.set(s.body ?? '', (versions.get(s.body ?? '') ?? 0) + 1);
  return versions;
}

/** Issue 11's targets per phase, and the latency of each phase against the steady state. */
function verdicts(phases: Phase[], commandsOk: boolean): string {
  const base = phases[0]!;
  const baseOk = base.samples.filter((s) => !isFailure(s));
  const rows: Row[] = [];
  for (const p of phases) {
    const failed = p.samples.filter(isFailure).length;
    rows.push({
      figure: `${p.name}: failed requests`,
      deployctl: `${failed} of ${p.samples.length}`,
      baseline: '-',
      ratio: '-',
      target: '0',
      verdict: failed === 0 && p.samples.length > 0 ? 'PASS' : 'MISS',
    });
    if (p.only !== undefined) {
      const other = p.samples.filter((s) => !isFailure(s) && s.body !== p.only).length;
      rows.push({
        figure: `${p.name}: answers not from the serving ${p.only}`,
        deployctl: String(other),
        baseline: '-',
        ratio: '-',
        target: '0',
        verdict: other === 0 ? 'PASS' : 'MISS',
      });
    }
    if (p === base) continue;
    const ok = p.samples.filter((s) => !isFailure(s));
    for (const q of [50, 99]) {
      const during = percentile(ok, q);
      const steady = percentile(baseOk, q);
      rows.push({
        figure: `${p.name}: p${q} latency vs steady state`,
        deployctl: `${during} ms`,
        baseline: `${steady} ms`,
        ratio: steady > 0 ? `${(during / steady).toFixed(2)}x` : '-',
        target: '-',
        verdict: 'info',
      });
    }
  }
  rows.push({
    figure: 'every command ended as expected',
    deployctl: commandsOk ? 'yes' : 'no',
    baseline: '-',
    ratio: '-',
    target: 'yes',
    verdict: commandsOk ? 'PASS' : 'MISS',
  });
  return `${table(rows)}\n`;
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

const cliOpts = (env: Record<string, string>): CliOptions => ({ cwd: dirname(specPath), env });
const cli = (args: string[], env: Record<string, string>): ReturnType<typeof deployctl> =>
  deployctl([...args, '--file', specPath], cliOpts(env));
const tagOf = (i: number): string => (i % 2 === 1 ? 'v2' : 'v1');

async function containerState(name: string): Promise<string | undefined> {
  try {
    return (await docker.getContainer(name).inspect()).State.Status;
  } catch {
    return undefined;
  }
}

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
  const phases: Phase[] = [];
  let commandsOk = true;
  const timed = async (
    id: string,
    run: () => Promise<{ code: number | null }>,
    expected: number,
  ): Promise<Phase['applies'][number]> => {
    const start = Date.now();
    const { code } = await run();
    if (code !== expected) commandsOk = false;
    return { id, ms: Date.now() - start, code };
  };
  const phase = async (p: Omit<Phase, 'samples' | 'applies'>, work: () => Promise<Phase['applies']>) => {
    const l = loop();
    await new Promise((r) => setTimeout(r, 1000));
    const applies = await work();
    await new Promise((r) => setTimeout(r, 1000));
    const done: Phase = { ...p, samples: await l.stop(), applies };
    report(done);
    phases.push(done);
  };

  const base = loop();
  await new Promise((r) => setTimeout(r, BASELINE_MS));
  const baseline: Phase = { name: 'steady state (no deploy)', samples: await base.stop(), applies: [] };
  report(baseline);
  phases.push(baseline);

  await phase({ name: `${DEPLOYS} deploys alternating v1/v2` }, async () => {
    const applies: Phase['applies'] = [];
    for (let i = 1; i <= DEPLOYS; i++) {
      applies.push(
        await timed(`t${i}`, () => cli(['apply', '-y', '--deploy-id', `t${i}`], { TAG: tagOf(i) }), 0),
      );
    }
    return applies;
  });
  const serving = tagOf(DEPLOYS);
  const other = tagOf(DEPLOYS + 1);

  await phase({ name: 'deploy failing its healthcheck (rolled back)', only: serving }, async () => [
    await timed(
      'unhealthy',
      () => cli(['apply', '-y', '--deploy-id', 'unhealthy'], { TAG: other, UNHEALTHY: '1', RETRIES: '2' }),
      1,
    ),
  ]);

  await phase({ name: 'deploy interrupted with Ctrl+C', only: serving }, async () => [
    await timed(
      'sigint',
      async () => {
        const run = startCli(
          ['apply', '-y', '--deploy-id', 'sigint', '--file', specPath],
          cliOpts({ TAG: other, UNHEALTHY: '1', RETRIES: '100', WAIT: '120s' }),
        );
        const until = Date.now() + 120_000;
        while ((await containerState(`${project}_backend_sigint`)) !== 'running' && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, 1000));
        run.child.kill('SIGINT');
        return run.done;
      },
      130,
    ),
  ]);

  await phase({ name: 'rollback to the previous generation' }, async () => [
    await timed('rollback', () => cli(['rollback', '-y'], { TAG: serving }), 0),
  ]);
  process.stdout.write(`\n${verdicts(phases, commandsOk)}`);
  process.stdout.write(`traffic bench: done, ${formatLoad(hostLoad())}\n`);
} finally {
  if (!stopping) await cleanup();
}
