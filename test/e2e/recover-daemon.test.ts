/**
 * `deployctl recover` after the engine itself went down: a dockerd of this test's own
 * (support/private-dockerd.ts; the shared engine is never restarted) is killed with SIGKILL and
 * started again on the same data root. Once restart policies bring some containers back (a
 * retired generation included), once everything stays exited and the database container is
 * lost as well.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployctl, type CliRun } from './support/cli.js';
import { uniqueProject } from './support/engine.js';
import { startPrivateDockerd, type PrivateDockerd } from './support/private-dockerd.js';

const APP = 'deployctl-fixture/app';
const PG = 'deployctl-fixture/postgres:15';
let d: PrivateDockerd | undefined;
let dir = '';
let project = '';

function spec(p: string): string {
  return `version: 1
project: ${p}
infra:
  volumes:
    ${p}_pgdata: { external: true }
  networks:
    ${p}_net: {}
  services:
    db:
      container_name: ${p}_db
      image: ${PG}
      environment: { POSTGRES_DB: shop, POSTGRES_USER: shop, POSTGRES_PASSWORD: e2e-db-password }
      volumes: ["${p}_pgdata:/var/lib/postgresql/data"]
      networks: [${p}_net]
      restart: unless-stopped
      healthcheck: { test: ["CMD", "pg_isready", "-U", "shop", "-d", "shop"], interval: 1s, retries: 30 }
      database: { engine: postgres, name: shop, user: shop }
apps:
  services:
    backend:
      image: ${APP}:v1
      environment: { DEPLOY: "\${DEPLOY:-1}" }
      networks: [${p}_net]
      restart: always
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 20 }
      stop_grace_period: 2s
      depends_on: [db]
    frontend:
      image: ${APP}:v1
      networks: [${p}_net]
      restart: always
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 20 }
      stop_grace_period: 2s
      depends_on: [backend]
cleanup: { keep_generations: 1 }
`;
}

function cli(args: string[]): Promise<CliRun> {
  return deployctl([...args, '-f', join(dir, 'deployctl.yaml')], { cwd: dir, env: d!.env });
}

function out(run: CliRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

async function state(name: string): Promise<{ id: string; status: string; health?: string } | undefined> {
  try {
    const c = await d!.docker.getContainer(name).inspect();
    return { id: c.Id, status: c.State.Status, health: c.State.Health?.Status };
  } catch {
    return undefined;
  }
}

async function rows(): Promise<string> {
  const exec = await d!.docker.getContainer(`${project}_db`).exec({
    Cmd: ['psql', '-U', 'shop', '-d', 'shop', '-tAc', 'SELECT count(*) FROM kept'],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise((r) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', r);
  });
  // Multiplexed stream: 8-byte frame headers before each payload.
  const buf = Buffer.concat(chunks);
  let text = '';
  for (let i = 0; i + 8 <= buf.length;) {
    const len = buf.readUInt32BE(i + 4);
    if (buf[i] === 1) text += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return text.trim();
}

interface Summary {
  recovered: { resource: string; action: string }[];
  skipped: { resource: string }[];
  errors: unknown[];
}

const app = (svc: string, id: string): string => `${project}_${svc}_${id}`;

beforeAll(async () => {
  d = await startPrivateDockerd();
  await d.loadImages([`${APP}:v1`, PG]);
  project = uniqueProject('rcvd');
  await d.docker.createVolume({ Name: `${project}_pgdata` });
  dir = await mkdtemp(join(tmpdir(), 'deployctl-e2e-'));
  await writeFile(join(dir, 'deployctl.yaml'), spec(project));
  for (const id of ['g1', 'g2']) {
    const run = await cli(['apply', '-y', '--deploy-id', id]);
    expect(run.code, out(run)).toBe(0);
  }
  const seed = await d.docker.getContainer(`${project}_db`).exec({
    Cmd: [
      'psql',
      '-U',
      'shop',
      '-d',
      'shop',
      '-c',
      'CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2), (3);',
    ],
  });
  const stream = await seed.start({});
  await new Promise((r) => {
    stream.on('end', r);
    stream.resume();
  });
  expect(await rows()).toBe('3');
}, 300_000);

afterAll(async () => {
  await d?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('recover after the engine was killed and started again', () => {
  it('restart policies brought the retired generation back too: it is stopped, the live one serves', async () => {
    const dbBefore = (await state(`${project}_db`))!.id;
    expect((await state(app('backend', 'g1')))?.status).toBe('exited');
    // Retire gave g1 restart policy `no`, so a daemon restart leaves it down (daemon-restart.test.ts).
    // A retired generation can still come back, e.g. one retired by a deployctl release before
    // that, or given its policy back by hand: recover must stop it again.
    for (const svc of ['backend', 'frontend']) {
      const c = d!.docker.getContainer(app(svc, 'g1'));
      expect((await c.inspect()).HostConfig.RestartPolicy?.Name).toBe('no');
      await c.update({ RestartPolicy: { Name: 'always' } });
    }
    await d!.kill();
    await d!.start();
    await expect
      .poll(async () => (await state(app('backend', 'g1')))?.status, { timeout: 30_000 })
      .toBe('running');

    const run = await cli(['recover', '-y', '--json']);
    expect(run.code, out(run)).toBe(0);
    const sum = JSON.parse(run.stdout) as Summary;
    expect(sum.errors).toEqual([]);
    expect(
      sum.recovered
        .filter((r) => r.action === 'stopped')
        .map((r) => r.resource)
        .sort(),
    ).toEqual([app('backend', 'g1'), app('frontend', 'g1')]);
    expect((await state(`${project}_db`))?.id).toBe(dbBefore);
    for (const svc of ['backend', 'frontend']) {
      expect(await state(app(svc, 'g2'))).toMatchObject({ status: 'running', health: 'healthy' });
      expect((await state(app(svc, 'g1')))?.status).toBe('exited');
      // Stopped again as retire would: the next daemon restart leaves it down.
      expect((await d!.docker.getContainer(app(svc, 'g1')).inspect()).HostConfig.RestartPolicy?.Name).toBe(
        'no',
      );
    }
    expect(await rows()).toBe('3');
  }, 240_000);

  it('everything stays exited and the DB container is lost: infra first on its same volume, then the live generation', async () => {
    const all = [`${project}_db`, ...['backend', 'frontend'].flatMap((s) => [app(s, 'g1'), app(s, 'g2')])];
    for (const name of all) {
      await d!.docker.getContainer(name).update({ RestartPolicy: { Name: 'no' } });
    }
    await d!.kill();
    await d!.start();
    for (const name of all) {
      expect((await state(name))?.status, name).toBe('exited');
    }
    await d!.docker.getContainer(`${project}_db`).remove();

    const run = await cli(['recover', '-y', '--json']);
    expect(run.code, out(run)).toBe(0);
    const sum = JSON.parse(run.stdout) as Summary;
    expect(sum.errors).toEqual([]);
    expect(sum.recovered.map((r) => `${r.action} ${r.resource}`)).toEqual([
      `recreated ${project}_db`,
      `started ${app('backend', 'g2')}`,
      `started ${app('frontend', 'g2')}`,
    ]);
    const db = await d!.docker.getContainer(`${project}_db`).inspect();
    expect(db.Mounts.map((m) => m.Name)).toContain(`${project}_pgdata`);
    expect(await rows()).toBe('3');
    for (const svc of ['backend', 'frontend']) {
      expect(await state(app(svc, 'g2'))).toMatchObject({ status: 'running', health: 'healthy' });
      expect((await state(app(svc, 'g1')))?.status).toBe('exited');
    }

    const again = await cli(['recover', '-y', '--json']);
    expect(again.code, out(again)).toBe(0);
    expect((JSON.parse(again.stdout) as Summary).recovered).toEqual([]);
  }, 240_000);
});
