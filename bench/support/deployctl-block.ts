/**
 * Everything measured on deployctl, with only deployctl's stacks on the engine: engine calls
 * through the counting proxy, no-op plan, no-op apply, one profiled plan, and the series of
 * new-generation deploys.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, tagOfRep, type BenchContext } from './context.js';
import { endpointList, type CountingProxy } from './counting-proxy.js';
import { formatProfileSummary, summariseProfileFile } from './cpu-profile.js';
import { deployctl, noopApply, noopPlan, type CliCall } from './deployctl-cli.js';
import { engineCpuShare } from './engine-cpu.js';
import {
  deployctlGeneration,
  expectGenerationHealthy,
  removeProjects,
  waitGenerationHealthy,
} from './engine.js';
import { log } from './report.js';

export interface DeployctlFigures {
  firstApply: number;
  /** Engine CPU (share of one core) while the deployed stack idles: its healthchecks. */
  idleEngineCpu: number | undefined;
  calls: {
    planSmall: number[];
    planBig: number[];
    endpointsSmall: string[];
    endpointsBig: string[];
    /** One no-op plan placed on the proxy's clock, ms from spawn. */
    timeline: { firstCallMs: number; lastResponseMs: number; exitMs: number };
    applySmall: number;
    applyBig: number;
  };
  plan: { wall: number[]; cpu: number[] };
  noop: { wall: number[]; cpu: number[] };
  deploy: number[];
  /** deployctl's own phase timings of each new-generation apply (its summary's "timings" line), seconds. */
  phases: Record<string, number[]>;
  profile: string;
}

const call = (spec: string, tag: string, deployId: string): CliCall => ({ spec, tag, deployId });

/** Engine calls of one no-op plan, through the proxy, and when they happened. */
async function countPlan(proxy: CountingProxy, c: CliCall) {
  proxy.reset();
  const r = await noopPlan({ ...c, env: { DOCKER_HOST: proxy.dockerHost } });
  const reqs = [...proxy.requests];
  return {
    count: reqs.length,
    endpoints: endpointList(reqs),
    firstCallMs: reqs.length ? reqs[0]!.at - r.startedAt : 0,
    lastResponseMs: proxy.lastResponseAt - r.startedAt,
    exitMs: r.endedAt - r.startedAt,
  };
}

async function countApply(proxy: CountingProxy, c: CliCall): Promise<number> {
  proxy.reset();
  await noopApply({ ...c, env: { DOCKER_HOST: proxy.dockerHost } });
  return proxy.requests.length;
}

async function engineCalls(ctx: BenchContext): Promise<DeployctlFigures['calls']> {
  const small = call(ctx.smallSpec, 'v1', 'g0');
  const big = call(ctx.spec, 'v1', 'g0');
  // Steady state: within one interval after an apply, while the engine has not run its first
  // check, a plan reads apply's health record once more (src/apply/health-proof.ts).
  await waitGenerationHealthy(ctx.smallProject, 'g0', ctx.small, fixture('v1'));
  await waitGenerationHealthy(ctx.project, 'g0', ctx.apps, fixture('v1'));
  // Twice each: a count that moved between two identical runs would be a finding too.
  const smallPlans = [await countPlan(ctx.proxy, small), await countPlan(ctx.proxy, small)];
  const bigPlans = [await countPlan(ctx.proxy, big), await countPlan(ctx.proxy, big)];
  return {
    planSmall: smallPlans.map((p) => p.count),
    planBig: bigPlans.map((p) => p.count),
    endpointsSmall: smallPlans[0]!.endpoints,
    endpointsBig: bigPlans[0]!.endpoints,
    timeline: bigPlans[1]!,
    applySmall: await countApply(ctx.proxy, small),
    applyBig: await countApply(ctx.proxy, big),
  };
}

/**
 * No-op plans and applies, one of each per round, after one unmeasured warm-up of each (as
 * hyperfine's --warmup): measured back to back, the first runs after a change on the engine pay
 * for cold caches and whatever the engine is still finishing, and the block that runs first
 * would carry it all.
 */
async function planAndApply(ctx: BenchContext) {
  const c = call(ctx.spec, 'v1', 'g0');
  await noopPlan(c);
  await noopApply(c);
  const plan = { wall: [] as number[], cpu: [] as number[] };
  const noop = { wall: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < ctx.reps; i++) {
    for (const [run, into] of [
      [noopPlan, plan],
      [noopApply, noop],
    ] as const) {
      const r = await run(c);
      into.wall.push(r.wall);
      if (r.cpu !== undefined) into.cpu.push(r.cpu);
    }
  }
  return { plan, noop };
}

async function profiledPlan(ctx: BenchContext): Promise<string> {
  const dir = join(ctx.dir, 'profile');
  await noopPlan({ ...call(ctx.spec, 'v1', 'g0'), nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const [file] = await readdir(dir);
  return formatProfileSummary(await summariseProfileFile(join(dir, file!)), 10);
}

/** `  timings   cleanup 7ms, images 11ms, infra 68ms, deploy 8.8s, retire 2.3s` → seconds per phase. */
export function parsePhases(stdout: string): Record<string, number> {
  const line = /^\s*timings\s+(.*)$/m.exec(stdout)?.[1] ?? '';
  const out: Record<string, number> = {};
  for (const [, name, value] of line.matchAll(/(\w+) ((?:\d+m)?[\d.]+m?s)/g)) {
    const m = /^(?:(\d+)m)?([\d.]+)(ms|s)$/.exec(value!);
    if (m) out[name!] = Number(m[1] ?? 0) * 60 + Number(m[2]) / (m[3] === 'ms' ? 1000 : 1);
  }
  return out;
}

/** New deploy id and TAG each rep: health-gated new generation, previous one retired. */
async function newGenerations(
  ctx: BenchContext,
): Promise<{ times: number[]; phases: Record<string, number[]> }> {
  const times: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 1; i <= ctx.reps; i++) {
    const [tag, id] = [tagOfRep(i), `g${i}`];
    const r = await deployctl(['apply', '-y'], call(ctx.spec, tag, id));
    await expectGenerationHealthy(ctx.project, id, ctx.apps, fixture(tag));
    if ((await deployctlGeneration(ctx.project, `g${i - 1}`)).some((c) => c.running)) {
      throw new Error(`deployctl left generation g${i - 1} running after deploying ${id}`);
    }
    times.push(r.wall);
    for (const [phase, secs] of Object.entries(parsePhases(r.stdout))) (phases[phase] ??= []).push(secs);
    log(`  deployctl new generation ${id} (${tag}): ${r.wall.toFixed(2)} s`);
  }
  return { times, phases };
}

export async function measureDeployctl(ctx: BenchContext): Promise<DeployctlFigures> {
  log('deployctl: first apply (setup, not compared)');
  const firstApply = (await deployctl(['apply', '-y'], call(ctx.spec, 'v1', 'g0'))).wall;
  await expectGenerationHealthy(ctx.project, 'g0', ctx.apps, fixture('v1'));
  await deployctl(['apply', '-y'], call(ctx.smallSpec, 'v1', 'g0'));
  log('deployctl: engine calls through the counting proxy');
  const calls = await engineCalls(ctx);
  await removeProjects([ctx.smallProject], [], {
    networks: [`${ctx.smallProject}_net`],
    volumes: [`${ctx.smallProject}_data`],
  });
  const idleEngineCpu = await engineCpuShare();
  log(`deployctl: no-op plan ×${ctx.reps}, no-op apply ×${ctx.reps} (alternating, after one warm-up each)`);
  const { plan, noop } = await planAndApply(ctx);
  log('deployctl: one no-op plan under node --cpu-prof');
  const profile = await profiledPlan(ctx);
  log(`deployctl: new generation ×${ctx.reps}`);
  const { times: deploy, phases } = await newGenerations(ctx);
  return { firstApply, idleEngineCpu, calls, plan, noop, deploy, phases, profile };
}
