/**
 * The health gate opening on deployctl's own run of a service's healthcheck, on the real engine
 * (Docker before Engine 25 runs its first check only after a full `interval`). `api` probes every
 * 30 s, so the engine's first check never happens during the test: whatever passed the gate did
 * so on deployctl's run of the same command, and every later run must agree that it is proven.
 * `edge` carries Traefik labels: Traefik routes only to containers the engine calls healthy, so
 * its gate waits for the engine's own verdict.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execText, output } from './apply-stack.js';
import { deployctl, startCli, writeSpec, type CliOptions } from './support/cli.js';
import { cleanupProject, docker, uniqueProject } from './support/engine.js';

const APP = 'deployctl-fixture/app';
let project: string;
let specPath: string;

const cli = (args: string[], opts: CliOptions = {}) =>
  deployctl([...args, '--file', specPath], { cwd: dirname(specPath), ...opts });
const name = (service: string, deployId: string): string => `${project}_${service}_${deployId}`;
async function inspect(container: string): Promise<{ id: string; state: string; health?: string }> {
  const info = await docker.getContainer(container).inspect();
  return { id: info.Id, state: info.State.Status, health: info.State.Health?.Status };
}
async function version(container: string): Promise<string> {
  return (await execText(container, ['wget', '-qO-', 'http://127.0.0.1:8000/version'])).stdout.trim();
}

beforeAll(async () => {
  project = uniqueProject('probe');
  specPath = await writeSpec(`version: 1
project: ${project}
infra:
  networks:
    ${project}_net: {}
apps:
  services:
    api:
      image: ${APP}:\${TAG:-v1}
      networks: [${project}_net]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 30s, timeout: 2s, retries: 3 }
      wait_timeout: 25s
      stop_grace_period: 5s
    edge:
      image: ${APP}:\${TAG:-v1}
      networks: [${project}_net]
      labels:
        traefik.enable: "true"
        traefik.http.services.edge.loadbalancer.server.port: "8000"
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 20 }
      stop_grace_period: 5s
cleanup:
  keep_generations: 2
`);
});

afterAll(async () => {
  if (project) await cleanupProject(project);
});

describe('health gate on the probe, on the real engine', () => {
  it('apply returns before the engine checked api, and plan, status and a re-run count it proven', async () => {
    const run = await cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toContain('Apply complete: generation d1');
    // The engine has not run api's check yet (30 s interval): the gate opened on deployctl's run.
    expect(await inspect(name('api', 'd1'))).toMatchObject({ state: 'running', health: 'starting' });
    // edge (Traefik) waited for the engine's own verdict.
    expect(await inspect(name('edge', 'd1'))).toMatchObject({ state: 'running', health: 'healthy' });

    const plan = await cli(['plan', '--deploy-id', 'd1', '--detailed-exitcode']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain('No changes.');

    const status = await cli(['status', '--json']);
    expect(status.code, output(status)).toBe(0);
    const report = JSON.parse(status.stdout) as {
      ok: boolean;
      services: { service: string; health: string; health_probed?: boolean; ok: boolean }[];
    };
    expect(report.ok).toBe(true);
    expect(report.services.find((r) => r.service === 'api')).toMatchObject({
      health: 'starting',
      health_probed: true,
      ok: true,
    });

    // recover agrees: nothing to wait for.
    const recover = await cli(['recover', '-y']);
    expect(recover.code, output(recover)).toBe(0);
    expect(recover.stdout).toMatch(/everything is running/);

    const again = await cli(['apply', '-y']);
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toContain('Nothing to do: generation d1');
  });

  it('kill -9 once the new generation passed its gate, before retiring: the re-run trusts the record and only retires', async () => {
    const d1 = await inspect(name('api', 'd1'));
    const first = startCli(['apply', '-y', '--deploy-id', 'd2', '--file', specPath], {
      cwd: dirname(specPath),
      env: { TAG: 'v2' },
    });
    const retiring = /^\[STARTED\] \S+ Retire older generations/m;
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      first.child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (retiring.test(seen)) {
          first.child.kill('SIGKILL');
          resolve();
        }
      });
      void first.done.then((r) => reject(new Error(`apply ended before retiring:\n${output(r)}`)));
    });
    expect((await first.done).code).toBeNull();
    const d2 = await inspect(name('api', 'd2'));
    expect(d2).toMatchObject({ state: 'running', health: 'starting' });

    // What the re-run will do: at most retire d1; d2 needs no wait, the engine notwithstanding.
    const look = await cli(['plan', '--deploy-id', 'd2'], { env: { TAG: 'v2' } });
    expect(look.code, output(look)).toBe(0);
    expect(look.stdout).not.toMatch(/never proven healthy|wait container/);
    const rerun = await cli(['apply', '-y', '--deploy-id', 'd2'], { env: { TAG: 'v2' } });
    expect(rerun.code, output(rerun)).toBe(0);
    // Proven by the record: no wait, no new container, d1 retired, d2 serves v2.
    expect(rerun.stdout).not.toContain(`wait container ${name('api', 'd2')}`);
    expect((await inspect(name('api', 'd2'))).id).toBe(d2.id);
    expect((await inspect(name('api', 'd1'))).state).toBe('exited');
    expect((await inspect(name('api', 'd1'))).id).toBe(d1.id);
    expect(await version(name('api', 'd2'))).toBe('v2');
    const plan = await cli(['plan', '--deploy-id', 'd2', '--detailed-exitcode'], { env: { TAG: 'v2' } });
    expect(plan.code, output(plan)).toBe(0);
  });

  it('a healthcheck that fails is still failed by the engine: no probe opens the gate, d2 keeps serving', async () => {
    // UNHEALTHY makes the fixture's /health fail: deployctl's runs fail as the engine's do.
    const sick = specPath.replace(/deployctl\.yaml$/, 'sick.yaml');
    await writeFile(
      sick,
      (await readFile(specPath, 'utf8'))
        .replace('interval: 30s, timeout: 2s, retries: 3', 'interval: 1s, timeout: 2s, retries: 2')
        .replace('    api:\n', '    api:\n      environment: { UNHEALTHY: "1" }\n'),
    );
    const run = await deployctl(['apply', '-y', '--deploy-id', 'd3', '--file', sick], {
      cwd: dirname(specPath),
      env: { TAG: 'v1' },
    });
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain(`api (${name('api', 'd3')}) was marked unhealthy by its healthcheck.`);
    expect(
      (await docker.listContainers({ all: true, filters: { name: [`${project}_api_d3`] } })).length,
    ).toBe(0);
    expect(await inspect(name('api', 'd2'))).toMatchObject({ state: 'running' });
    expect(await version(name('api', 'd2'))).toBe('v2');
  });
});
