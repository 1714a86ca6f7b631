/**
 * Benchmark (prints figures, not a test): deployctl plan / apply on a 20-app stack against
 * Debian's docker-compose 1.29 running the same containers, in one run:
 *   1. no-op `deployctl plan` (target < 0.5 s);
 *   2. no-op `deployctl apply -y` vs no-op `docker-compose up -d` (target <= 0.5x);
 *   3. new-generation deploy (new deploy id, TAG v1<->v2, health-gated, old one retired) vs
 *      `docker-compose up -d` after the tag change (target <= 1.0x, issue 11), and vs that plus
 *      waiting until healthy;
 *   4. engine API calls of a no-op plan with 5 and with 20 apps, counted by a proxy on the
 *      engine socket (target: equal).
 * Then where a no-op plan's time goes: engine-call timeline, CPU profile, import costs.
 *
 *   npm run bench            or   npm run build && node dist/bench/plan-apply.js [--reps 5]
 *
 * Each tool is measured with only its own stack on the engine: healthchecks are execs that
 * cost the engine CPU, so two stacks side by side would partly measure each other's probes. Everything lives under random project names (deployctl
 * `bench_<hex>`, Compose `benchc_<hex>`) and is removed by label at the end, also on failure
 * or Ctrl+C.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCompose } from './support/compose.js';
import { measureCompose } from './support/compose-block.js';
import { fixture, type BenchContext } from './support/context.js';
import { selfCheck, startCountingProxy } from './support/counting-proxy.js';
import { CLI, REPO } from './support/deployctl-cli.js';
import { measureDeployctl } from './support/deployctl-block.js';
import { engineCpuShare } from './support/engine-cpu.js';
import { docker, imageExists, removeProjects } from './support/engine.js';
import { hostLoad } from './support/host-load.js';
import { importCosts } from './support/import-cost.js';
import { buildReport } from './support/plan-apply-report.js';
import { log } from './support/report.js';
import { composeYaml, deployctlYaml, writeStack } from './support/stack-files.js';
import { timedRun } from './support/timed-run.js';

const APPS = 20;
const SMALL = 5;
const argReps = Number(process.argv[process.argv.indexOf('--reps') + 1]);
const REPS = process.argv.includes('--reps') && argReps > 0 ? Math.floor(argReps) : 5;

const hex = randomBytes(3).toString('hex');
const P = `bench_${hex}`;
const P_SMALL = `bench_${hex}_n${SMALL}`;
const C = `benchc_${hex}`;

/** The modules a no-op plan loads, measured one by one ('' = nothing: the probe's floor). */
const IMPORTS = ['', 'yargs', 'yaml', 'dockerode', 'docker-modem', 'ssh2', '@grpc/grpc-js'].concat(
  ['spec/load.js', 'engine/connect.js', 'apply/observe.js', 'plan/planner.js', 'plan/render-text.js'].map(
    (m) => join(REPO, 'dist/src', m),
  ),
);

let cleaning: Promise<void> | undefined;
function cleanup(dir: string): Promise<void> {
  cleaning ??= (async () => {
    log(`cleaning up ${P}, ${P_SMALL}, ${C}`);
    const problems = await removeProjects([P, P_SMALL], [C], {
      networks: [`${P}_net`, `${P_SMALL}_net`, `${C}_net`],
      volumes: [`${P}_data`, `${P_SMALL}_data`, `${C}_data`],
    });
    await rm(dir, { recursive: true, force: true });
    for (const p of problems) {
      const stale = /active endpoints/.test(p)
        ? ' (a stale endpoint left by the engine, moby/moby#43286: the network is empty, only a dockerd restart frees it)'
        : '';
      log(`cleanup: could not remove ${p}${stale}`);
    }
  })();
  return cleaning;
}

async function preflight(): Promise<{ compose: string; engine: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  for (const tag of ['v1', 'v2']) {
    if (!(await imageExists(fixture(tag)))) {
      throw new Error(`fixture image ${fixture(tag)} is missing: run scripts/build-fixtures.sh`);
    }
  }
  const compose = await ensureCompose();
  const v = await docker.version();
  return { compose, engine: `${v.Version} (API ${v.ApiVersion})` };
}

async function main(): Promise<void> {
  const { compose, engine } = await preflight();
  const dir = await mkdtemp(join(tmpdir(), 'deployctl-bench-'));
  const stopOnSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    void cleanup(dir).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const proxy = await startCountingProxy();
  try {
    const floor: number[] = [];
    for (let i = 0; i < 3; i++) floor.push((await timedRun(process.execPath, ['-e', '0'])).wall);
    const ctx: BenchContext = {
      reps: REPS,
      apps: APPS,
      small: SMALL,
      project: P,
      smallProject: P_SMALL,
      composeProject: C,
      spec: await writeStack(dir, 'deployctl', 'deployctl.yaml', deployctlYaml({ project: P, apps: APPS })),
      smallSpec: await writeStack(
        dir,
        'small',
        'deployctl.yaml',
        deployctlYaml({ project: P_SMALL, apps: SMALL }),
      ),
      composeFile: await writeStack(
        dir,
        'compose',
        'docker-compose.yml',
        composeYaml({ project: C, apps: APPS }),
      ),
      dir,
      proxy,
    };
    log(
      `stack files in ${dir}; projects ${P} (deployctl) and ${C} (docker-compose ${compose}); ${REPS} reps`,
    );
    log(`proxy self-check: ${await selfCheck(proxy)}`);

    // What the engine burns before any bench stack exists: other users of this engine.
    const engineBefore = await engineCpuShare();
    const loadDeployctl = hostLoad();
    const dc = await measureDeployctl(ctx);
    await removeProjects([P], [], { networks: [`${P}_net`], volumes: [`${P}_data`] });
    log('import costs (fresh node per module, no stack running)');
    const imports = await importCosts(IMPORTS, REPO);
    const loadCompose = hostLoad();
    const cf = await measureCompose(ctx);

    console.log(
      buildReport({
        reps: REPS,
        apps: APPS,
        small: SMALL,
        env: {
          node: process.version,
          engine,
          compose,
          cores: cpus().length,
          loadDeployctl,
          loadCompose,
          loadEnd: hostLoad(),
          nodeFloor: Math.min(...floor),
          engineBefore,
        },
        dc,
        compose: cf,
        imports,
      }),
    );
  } finally {
    await proxy.close();
    await cleanup(dir);
  }
}

try {
  await main();
} catch (err) {
  log(`FAILED: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
}
