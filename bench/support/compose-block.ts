/**
 * Everything measured on docker-compose, with only its stack on the engine: the engine calls
 * of a no-op `up -d`, no-op `up -d`, and `up -d` after a tag change, with and without waiting
 * until the recreated containers are healthy (Compose itself does not wait).
 */
import { composeUp, type ComposeProject } from './compose.js';
import { fixture, tagOfRep, type BenchContext } from './context.js';
import { engineCpuShare } from './engine-cpu.js';
import { waitComposeHealthy } from './engine.js';
import { log } from './report.js';
import { timedRun } from './timed-run.js';

export interface ComposeFigures {
  firstUp: number;
  firstHealthy: number;
  idleEngineCpu: number | undefined;
  noopCalls: number;
  noop: { wall: number[]; cpu: number[] };
  /** `up -d` returning, and the same run until all apps were healthy. */
  deploy: { up: number[]; healthy: number[] };
}

async function noopUp(p: ComposeProject, apps: number, env: Record<string, string> = {}) {
  const r = await composeUp(p, 'v1', env);
  if (r.upToDate !== apps + 1 || r.recreated !== 0) {
    throw new Error(`expected a no-op docker-compose up -d, got:\n${r.stderr}`);
  }
  return r;
}

export async function measureCompose(ctx: BenchContext): Promise<ComposeFigures> {
  const p: ComposeProject = { file: ctx.composeFile, project: ctx.composeProject };
  log('compose: first up -d (setup, not compared)');
  const first = await composeUp(p, 'v1');
  const firstHealthyAt = await waitComposeHealthy(p.project, ctx.apps, fixture('v1'));
  ctx.proxy.reset();
  await noopUp(p, ctx.apps, { DOCKER_HOST: ctx.proxy.dockerHost });
  const noopCalls = ctx.proxy.requests.length;
  const idleEngineCpu = await engineCpuShare();

  log(`compose: no-op up -d ×${ctx.reps}`);
  const noop = { wall: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < ctx.reps; i++) {
    const r = await noopUp(p, ctx.apps);
    noop.wall.push(r.wall);
    if (r.cpu !== undefined) noop.cpu.push(r.cpu);
  }

  log(`compose: up -d after a tag change ×${ctx.reps}`);
  const deploy = { up: [] as number[], healthy: [] as number[] };
  for (let i = 1; i <= ctx.reps; i++) {
    const tag = tagOfRep(i);
    const r = await composeUp(p, tag);
    if (r.recreated !== ctx.apps)
      throw new Error(`expected ${ctx.apps} recreated containers, got:\n${r.stderr}`);
    const healthyAt = await waitComposeHealthy(p.project, ctx.apps, fixture(tag));
    deploy.up.push(r.wall);
    deploy.healthy.push((healthyAt - r.startedAt) / 1000);
    log(
      `  compose up -d (${tag}): ${r.wall.toFixed(2)} s, all healthy after ${deploy.healthy.at(-1)!.toFixed(2)} s`,
    );
  }
  log('compose: down');
  const down = await timedRun('docker-compose', ['-f', p.file, '-p', p.project, 'down', '-v', '-t', '2'], {
    env: { TAG: 'v1' },
    okCodes: [0, 1],
  });
  if (down.code !== 0)
    log(`compose down failed (the sweep by label follows): ${down.stderr.trim().split('\n').pop()}`);
  return {
    firstUp: first.wall,
    firstHealthy: (firstHealthyAt - first.startedAt) / 1000,
    idleEngineCpu,
    noopCalls,
    noop,
    deploy,
  };
}
