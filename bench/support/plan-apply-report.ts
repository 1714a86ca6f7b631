/**
 * Turns the plan/apply benchmark's raw timings into the printed report: the figures table with
 * PASS/MISS per target (judged on the median, never adjusted), the notes needed to read it,
 * and where a no-op plan's time goes.
 */
import type { ComposeFigures } from './compose-block.js';
import type { DeployctlFigures } from './deployctl-block.js';
import { formatLoad, type HostLoad } from './host-load.js';
import type { ImportCost } from './import-cost.js';
import { median, secs, table, type Row } from './report.js';
import { GRACE, HEALTH_INTERVAL } from './stack-files.js';

export interface Measurements {
  reps: number;
  apps: number;
  small: number;
  env: {
    node: string;
    engine: string;
    compose: string;
    cores: number;
    /** How busy the host was when each tool's block started, and at the end. */
    loadDeployctl: HostLoad;
    loadCompose: HostLoad;
    loadEnd: HostLoad;
    /** Wall seconds of `node -e 0`: the floor any node CLI pays on this machine right now. */
    nodeFloor: number;
    /** Engine CPU (share of a core) before any bench stack existed. */
    engineBefore: number | undefined;
  };
  dc: DeployctlFigures;
  compose: ComposeFigures;
  imports: ImportCost[];
}

const PLAN_TARGET_S = 0.5;
const NOOP_RATIO_TARGET = 0.5;
const NEW_GENERATION_RATIO_TARGET = 1.0;

const ratio = (a: number[], b: number[]): string =>
  a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}x` : '-';
const cpuOf = (xs: number[]): string => (xs.length ? secs(xs) : 'n/a (no GNU time)');
const core = (share: number | undefined) =>
  share === undefined ? 'n/a' : `${Math.round(share * 100)}% of a core`;

function rows(m: Measurements): Row[] {
  const { dc, compose: cf } = m;
  const counts = new Set([...dc.calls.planSmall, ...dc.calls.planBig]);
  const info = { baseline: '-', ratio: '-', target: '-', verdict: 'info' as const };
  return [
    {
      figure: `no-op plan (${m.apps} apps), wall`,
      deployctl: secs(dc.plan.wall),
      baseline: '-',
      ratio: '-',
      target: `< ${PLAN_TARGET_S} s`,
      verdict: median(dc.plan.wall) < PLAN_TARGET_S ? 'PASS' : 'MISS',
    },
    { ...info, figure: 'no-op plan, CPU user+sys', deployctl: cpuOf(dc.plan.cpu) },
    {
      figure: 'no-op apply vs compose up -d (nothing to do)',
      deployctl: secs(dc.noop.wall),
      baseline: secs(cf.noop.wall),
      ratio: ratio(dc.noop.wall, cf.noop.wall),
      target: `<= ${NOOP_RATIO_TARGET.toFixed(2)}x`,
      verdict: median(dc.noop.wall) / median(cf.noop.wall) <= NOOP_RATIO_TARGET ? 'PASS' : 'MISS',
    },
    {
      ...info,
      figure: 'no-op apply vs compose, CPU user+sys',
      deployctl: cpuOf(dc.noop.cpu),
      baseline: cpuOf(cf.noop.cpu),
      ratio: ratio(dc.noop.cpu, cf.noop.cpu),
    },
    {
      // Issue 11: a health-gated new generation in at most the time of compose's ungated up -d.
      figure: 'new generation vs compose up -d (tag change)',
      deployctl: secs(dc.deploy),
      baseline: secs(cf.deploy.up),
      ratio: ratio(dc.deploy, cf.deploy.up),
      target: `<= ${NEW_GENERATION_RATIO_TARGET.toFixed(2)}x`,
      verdict:
        dc.deploy.length > 0 &&
        cf.deploy.up.length > 0 &&
        median(dc.deploy) / median(cf.deploy.up) <= NEW_GENERATION_RATIO_TARGET
          ? 'PASS'
          : 'MISS',
    },
    {
      ...info,
      figure: 'new generation vs compose up -d + all healthy',
      deployctl: secs(dc.deploy),
      baseline: secs(cf.deploy.healthy),
      ratio: ratio(dc.deploy, cf.deploy.healthy),
    },
    {
      figure: `engine calls, no-op plan (${m.small} / ${m.apps} apps)`,
      deployctl: `${dc.calls.planSmall.join(',')} / ${dc.calls.planBig.join(',')}`,
      baseline: '-',
      ratio: '-',
      target: 'independent of N',
      verdict: counts.size === 1 ? 'PASS' : 'MISS',
    },
    {
      ...info,
      figure: `engine calls, no-op apply (${m.small} / ${m.apps}) vs compose`,
      deployctl: `${dc.calls.applySmall} / ${dc.calls.applyBig}`,
      baseline: String(cf.noopCalls),
    },
  ];
}

/** `cleanup 0.01 s, …, retire 2.3 s; outside the phases 1.4 s` from deployctl's summaries. */
function phaseLine(dc: DeployctlFigures): string {
  const entries = Object.entries(dc.phases);
  if (entries.length === 0) return 'not reported';
  const inPhases = entries.reduce((sum, [, xs]) => sum + median(xs), 0);
  const outside = median(dc.deploy) - inPhases;
  const parts = entries.map(([phase, xs]) => `${phase} ${median(xs).toFixed(2)} s`);
  return `${parts.join(', ')}; outside the phases (node start, lock, observe, plan) ${outside.toFixed(2)} s`;
}

function whereTimeGoes(m: Measurements): string[] {
  const t = m.dc.calls.timeline;
  const pct = (ms: number) => `${((ms / t.exitMs) * 100).toFixed(0)}%`;
  return [
    `Where a no-op plan's time goes (one run through the counting proxy): first engine call at ${t.firstCallMs.toFixed(0)} ms, last engine response at ${t.lastResponseMs.toFixed(0)} ms, exit at ${t.exitMs.toFixed(0)} ms:`,
    `  ${pct(t.firstCallMs)} before the first engine call (node start, module loading, spec load), ${pct(t.lastResponseMs - t.firstCallMs)} talking to the engine, ${pct(t.exitMs - t.lastResponseMs)} planning, rendering and exit.`,
    '',
    'CPU profile of one no-op plan (node --cpu-prof; "load X" = compiling/evaluating the modules of X, "run X" = executing X):',
    m.dc.profile,
    '',
    'Import cost of single modules, each in a fresh node process (min of 3; shared dependencies count in every row):',
    ...m.imports.map(
      (i) =>
        `  ${i.cpuMs.toFixed(0).padStart(5)} ms CPU ${i.wallMs.toFixed(0).padStart(5)} ms wall  ${i.module ? i.module.replace(/^.*\/dist\//, 'dist/') : '(nothing: the probe’s own floor)'}`,
    ),
  ];
}

export function buildReport(m: Measurements): string {
  const { dc, compose: cf, env } = m;
  return [
    '',
    `deployctl plan/apply benchmark: ${m.apps} apps + 1 infra service; median (min) of ${m.reps} runs; wall time of the whole CLI process`,
    `node ${env.node}, engine ${env.engine}, docker-compose ${env.compose}, ${env.cores} cores; \`node -e 0\` takes ${env.nodeFloor.toFixed(3)} s here`,
    `host: ${formatLoad(env.loadDeployctl)} (deployctl block start), ${formatLoad(env.loadCompose)} (compose block start), ${formatLoad(env.loadEnd)} (end)`,
    '',
    table(rows(m)),
    '',
    'How to read it:',
    '- Targets are judged on the median; "ratio" is deployctl / baseline (below 1: deployctl is faster).',
    `- new generation = \`deployctl apply -y\` with a new deploy id (TAG v1<->v2): creates ${m.apps} containers beside the running ones, waits until all are healthy (deployctl polls every 500 ms), stops the previous generation, removes older ones. \`docker-compose up -d\` recreates in place and does NOT wait for health: it returns once the ${m.apps} new containers are started. "+ all healthy" adds the time until the engine reports all ${m.apps} healthy (the bench polls every 100 ms): the fair comparison for a health-gated deploy.`,
    `- Same containers for both: fixture image, healthcheck every ${HEALTH_INTERVAL}, stop_grace_period ${GRACE}, one network, a named volume on the infra service, no host ports.`,
    `- Each tool ran with only its own stack on the engine. Healthchecks are execs, which cost the engine far more than the probe: engine CPU (dockerd, containerd, shims, runc; from /proc over 5 s, including any other user of this engine) was ${core(env.engineBefore)} before any bench stack, ${core(dc.idleEngineCpu)} with deployctl's stack idle, ${core(cf.idleEngineCpu)} with compose's.`,
    `- A load average above ${env.cores} cores, or a CPU pressure well above 0%, means other work competed for the CPU: wall times are then pessimistic, and CPU user+sys (which load barely moves) is the steadier figure.`,
    `- deployctl's own phase timings of a new generation (median): ${phaseLine(dc)}.`,
    `- Setup, not compared: first deployctl apply ${dc.firstApply.toFixed(2)} s; first compose up -d ${cf.firstUp.toFixed(2)} s (all healthy after ${cf.firstHealthy.toFixed(2)} s).`,
    '',
    `Engine endpoints of one no-op plan with ${m.apps} apps (${dc.calls.planBig[0]} calls):`,
    ...dc.calls.endpointsBig.map((e) => `  ${e}`),
    `  with ${m.small} apps: ${dc.calls.endpointsSmall.join(', ')}`,
    '',
    ...whereTimeGoes(m),
  ].join('\n');
}
