/**
 * The engine itself goes away in the middle of an apply: a dockerd of this test's own
 * (support/private-dockerd.ts, never the shared one) is killed with SIGKILL, or restarted
 * cleanly, while the new generation waits for health; it comes back on the same data root and
 * the same apply, run again with no manual step, must converge (support/crash.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './support/cli.js';
import {
  runCrashCase,
  stepOutput,
  summarize,
  type CaseResult,
  type CrashCase,
  type CrashSubject,
  type StartCli,
} from './support/crash.js';
import { uniqueProject } from './support/engine.js';
import { startPrivateDockerd, type PrivateDockerd } from './support/private-dockerd.js';

const APP = 'deployctl-fixture/app';
let d: PrivateDockerd | undefined;
let dir = '';
let project = '';
let subject: CrashSubject;
let start: StartCli;
const results: CaseResult[] = [];

function spec(p: string): string {
  return `version: 1
project: ${p}
infra:
  networks:
    ${p}_net: {}
  dirs:
    letsencrypt: { path: ./letsencrypt }
  services:
    proxy:
      container_name: ${p}_proxy_persistent
      image: ${APP}:v1
      environment: { ACME_DIR: /letsencrypt }
      volumes: ["letsencrypt:/letsencrypt"]
      networks: [${p}_net]
      restart: unless-stopped
apps:
  services:
    backend:
      image: ${APP}:v1
      networks: [${p}_net]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 20 }
      stop_grace_period: 2s
    frontend:
      image: ${APP}:v1
      networks: [${p}_net]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 20 }
      stop_grace_period: 2s
      depends_on: [backend]
cleanup: { keep_generations: 1, protect: ["${p}_*_persistent"] }
`;
}

beforeAll(async () => {
  d = await startPrivateDockerd();
  await d.loadImages([`${APP}:v1`]);
  project = uniqueProject('dstart');
  dir = await mkdtemp(join(tmpdir(), 'deployctl-e2e-'));
  await writeFile(join(dir, 'deployctl.yaml'), spec(project));
  const env = d.env;
  start = (args, opts = {}) =>
    startCli([...args, '-f', join(dir, 'deployctl.yaml')], {
      cwd: dir,
      ...opts,
      env: { ...env, ...opts.env },
    });
  subject = {
    project,
    docker: d.docker,
    appServices: ['backend', 'frontend'],
    dirs: [join(dir, 'letsencrypt')],
  };
  const first = await start(['apply', '-y', '--deploy-id', 'g1']).done;
  expect(first.code, first.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  if (results.length > 0) console.log(summarize('daemon restart', results));
  await d?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

/** Records a case; after a failing one (its verdict taken) unlocks and re-runs it, so the next starts clean. */
async function run(c: CrashCase): Promise<void> {
  const r = await runCrashCase(subject, start, c);
  results.push(r);
  if (r.failures.length > 0) {
    await d!.docker
      .getContainer(`${project}.deployctl-lock`)
      .remove({ force: true })
      .catch(() => undefined);
    await start(c.args).done;
  }
  expect(r.failures, `${r.name} killed at ${r.step}\n${r.detail}`).toEqual([]);
}

function engineCase(id: string, how: string, onKill: CrashCase['onKill']): CrashCase {
  const kill = stepOutput(`waiting for ${project}_backend_${id}`);
  return {
    name: `apply ${id}`,
    args: ['apply', '-y', '--deploy-id', id],
    kill: { ...kill, step: `${how} while ${kill.step}` },
    onKill,
    expect: { exit: 0, serving: id },
  };
}

describe('the engine goes away mid-apply, comes back, the same apply runs again', () => {
  it('dockerd killed with SIGKILL (the apply fails on its own), started again', async () => {
    await run(
      engineCase('g2', 'dockerd SIGKILL', async (child) => {
        await d!.kill();
        // The CLI finds the engine gone and ends by itself, as on a host whose engine crashed.
        await new Promise((resolve) =>
          child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
        );
        await d!.start();
      }),
    );
  });

  it('dockerd restarted cleanly (SIGTERM, then started again) under a running apply', async () => {
    await run(
      engineCase('g3', 'dockerd restart', async () => {
        await d!.restart();
      }),
    );
  });

  it('a retired generation of restart: always apps stays down after a daemon restart; the live one comes back', async () => {
    const always = spec(project).replaceAll(
      'stop_grace_period: 2s',
      'stop_grace_period: 2s\n      restart: always',
    );
    await writeFile(join(dir, 'always.yaml'), always);
    const applyAlways = async (id: string): Promise<void> => {
      const r = await startCli(['apply', '-y', '--deploy-id', id, '--file', join(dir, 'always.yaml')], {
        cwd: dir,
        env: d!.env,
      }).done;
      expect(r.code, r.stderr).toBe(0);
    };
    await applyAlways('r1');
    await applyAlways('r2');
    const state = async (name: string) => (await d!.docker.getContainer(name).inspect()).State;
    expect((await state(`${project}_backend_r1`)).Status).toBe('exited');

    await d!.restart();
    // The engine starts restart: always containers as it comes up; give it the time it takes.
    for (let i = 0; i < 50 && !(await state(`${project}_backend_r2`)).Running; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect((await state(`${project}_backend_r2`)).Running).toBe(true);
    expect((await state(`${project}_frontend_r2`)).Running).toBe(true);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await state(`${project}_backend_r1`)).Status).toBe('exited');
    expect((await state(`${project}_frontend_r1`)).Status).toBe('exited');
    const r1 = await d!.docker.getContainer(`${project}_backend_r1`).inspect();
    expect(r1.HostConfig.RestartPolicy?.Name).toBe('no');
  });
});
