/**
 * deployctl against Podman's Docker API: a private `podman system service` (Debian's Podman,
 * installed if missing; fixture images loaded into it, where they are named localhost/NAME).
 * One stack (Postgres infra + one app), scenarios in sequence as a user would run them:
 * validate, plan, apply, a re-apply that changes nothing, a new generation, a generation whose
 * healthcheck fails (the health gate holds without systemd timers), backup and restore-db,
 * status, logs and events, recover after every container stopped, down.
 * Everything is checked through the `podman` CLI, not through deployctl.
 */
import { readdir, readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/port.js';
import { deployctl, type CliRun } from './support/cli.js';
import { describeEngineContract } from './support/engine-contract.js';
import { psqlCommand, uniqueProject } from './support/engine.js';
import { ensurePodman, startPodman, type PodmanService } from './support/podman.js';

const out = (r: CliRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let podman: PodmanService;
let project: string;
let dir: string;
let specPath: string;
const contractProject = uniqueProject('podcontract');
let contractEngine: Engine | undefined;

const spec = (p: string) => `version: 1
project: ${p}
infra:
  volumes:
    ${p}_pg: {}
  networks:
    ${p}_net: {}
  services:
    db:
      container_name: ${p}_db
      image: deployctl-fixture/postgres:15
      environment: { POSTGRES_DB: shop, POSTGRES_USER: shop, POSTGRES_PASSWORD: e2e-db-password }
      volumes: ["${p}_pg:/var/lib/postgresql/data"]
      networks: [${p}_net]
      healthcheck: { test: ["CMD", "pg_isready", "-U", "shop", "-d", "shop"], interval: 1s, retries: 30 }
      database: { engine: postgres, name: shop, user: shop }
apps:
  services:
    web:
      image: deployctl-fixture/app:\${APP_TAG:-v1}
      init: true
      networks: [${p}_net]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000\${HEALTH_PATH:-/health}"], interval: 1s, retries: 3 }
      depends_on: [db]
      stop_grace_period: 2s
cleanup:
  keep_generations: 1
backups:
  dir: ./backups
`;

const cli = (args: string[], env: Record<string, string> = {}) =>
  deployctl([...args, '--file', specPath], { cwd: dir, env: { DOCKER_HOST: podman.host, ...env } });

/** `name:state` of the project's containers as Podman lists them, sorted. */
const containers = async (): Promise<string[]> => {
  const ids = (
    await podman.podman(['ps', '-aq', '--no-trunc', '--filter', `label=deployctl.project=${project}`])
  )
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  return (await podman.podman(['inspect', '--format', '{{.Name}}:{{.State.Status}}', ...ids]))
    .split('\n')
    .filter((l) => l && !l.includes('.deployctl-'))
    .map((l) => l.replace(/^\//, ''))
    .sort();
};

const health = async (name: string): Promise<string> =>
  (await podman.podman(['inspect', '--format', '{{.State.Health.Status}}', name])).trim();

const psql = async (sql: string): Promise<string> =>
  (await podman.podman(['exec', `${project}_db`, ...psqlCommand(sql)])).trim();

beforeAll(async () => {
  ensurePodman();
  podman = await startPodman();
  project = uniqueProject('podman');
  dir = await mkdtemp(join(tmpdir(), 'deployctl-e2e-podman-'));
  specPath = join(dir, 'deployctl.yaml');
  await writeFile(specPath, spec(project));
}, 900_000);

afterAll(async () => {
  if (podman) {
    if (project) await podman.cleanup(project);
    await podman.cleanup(contractProject);
    await podman.stop();
  }
});

describe('deployctl against podman system service', () => {
  it('validates the spec', async () => {
    const run = await cli(['validate']);
    expect(run.code, out(run)).toBe(0);
    expect(run.stdout).toContain(`project ${project}`);
  });

  it('plans: names Podman as the engine, finds the images Podman loaded as localhost/NAME', async () => {
    const run = await cli(['plan']);
    expect(run.code, out(run)).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^Engine: ${podman.host}, Podman 4\\.\\S+\\n`));
    expect(run.stdout).toMatch(
      new RegExp(`container ${project}_db \\(db\\).*: does not exist: will be created`),
    );
    expect(run.stdout).not.toContain('to pull');
    const json = await cli(['plan', '--json']);
    expect(json.code, out(json)).toBe(0);
    expect((JSON.parse(json.stdout) as { engine: unknown }).engine).toMatchObject({
      endpoint: podman.host,
      product: 'Podman',
    });
  });

  it('applies: db and app up and healthy by their healthchecks, the app reaches the db by its service name', async () => {
    const run = await cli(['apply', '-y', '--deploy-id', 'g1']);
    expect(run.code, out(run)).toBe(0);
    expect(await containers()).toEqual([`${project}_db:running`, `${project}_web_g1:running`]);
    expect(await health(`${project}_db`)).toBe('healthy');
    // The gate may open on deployctl's own run of the check, before Podman's first one:
    // Podman's own run of it, now, must agree.
    await podman.podman(['healthcheck', 'run', `${project}_web_g1`]);
    expect(await health(`${project}_web_g1`)).toBe('healthy');
    // init: true runs catatonit (mounted as podman-init) as PID 1; `db` resolves on the project network.
    expect(await podman.podman(['exec', `${project}_web_g1`, 'cat', '/proc/1/comm'])).toBe('podman-init\n');
    const lookup = await podman.podman(['exec', `${project}_web_g1`, 'nslookup', 'db']);
    expect(lookup).toMatch(/Address: 10\.\d+\.\d+\.\d+/);
  });

  it('re-applies without changing anything', async () => {
    const ids = await podman.podman([
      'ps',
      '-aq',
      '--no-trunc',
      '--filter',
      `label=deployctl.project=${project}`,
    ]);
    const plan = await cli(['plan', '--deploy-id', 'g1']);
    expect(plan.code, out(plan)).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    const run = await cli(['apply', '-y', '--deploy-id', 'g1']);
    expect(run.code, out(run)).toBe(0);
    expect(run.stdout).toContain('No changes');
    expect(
      await podman.podman(['ps', '-aq', '--no-trunc', '--filter', `label=deployctl.project=${project}`]),
    ).toBe(ids);
  });

  it('deploys a new generation and retires the old one (kept stopped for rollback)', async () => {
    const run = await cli(['apply', '-y', '--deploy-id', 'g2'], { APP_TAG: 'v2' });
    expect(run.code, out(run)).toBe(0);
    expect(await containers()).toEqual([
      `${project}_db:running`,
      `${project}_web_g1:exited`,
      `${project}_web_g2:running`,
    ]);
    expect(
      await podman.podman(['exec', `${project}_web_g2`, 'wget', '-qO-', 'http://127.0.0.1:8000/version']),
    ).toBe('v2\n');
  });

  it('records revisions on the engine host and rolls back to the kept generation', async () => {
    const history = await cli(['history']);
    expect(history.code, out(history)).toBe(0);
    expect(history.stdout).toMatch(/apply\s+g1\s+succeeded/);
    expect(history.stdout).toMatch(/apply\s+g2\s+succeeded/);
    const back = await cli(['rollback', '-y']);
    expect(back.code, out(back)).toBe(0);
    expect(await containers()).toEqual([
      `${project}_db:running`,
      `${project}_web_g1:running`,
      `${project}_web_g2:exited`,
    ]);
    const forward = await cli(['rollback', 'g2', '-y']);
    expect(forward.code, out(forward)).toBe(0);
    expect(await containers()).toContain(`${project}_web_g2:running`);
  });

  it('refuses a generation whose healthcheck fails: rolled back, the live one untouched', async () => {
    const run = await cli(['apply', '-y', '--deploy-id', 'g3'], { APP_TAG: 'v2', HEALTH_PATH: '/missing' });
    expect(run.code, out(run)).toBe(1);
    expect(run.stderr).toContain('[CONTAINER_UNHEALTHY]');
    expect(run.stderr).toContain('was marked unhealthy by its healthcheck');
    // g1 went in the pre-deploy cleanup (keep_generations: 1 besides the live g2 and the new g3).
    expect(await containers()).toEqual([`${project}_db:running`, `${project}_web_g2:running`]);
  });

  it('backs up the database and restores it with restore-db', async () => {
    await psql(
      "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); INSERT INTO items SELECT g, 'item-' || g FROM generate_series(1, 500) g;",
    );
    const backup = await cli(['backup']);
    expect(backup.code, out(backup)).toBe(0);
    const dumps = (await readdir(join(dir, 'backups'))).filter((f) => f.endsWith('.dump'));
    expect(dumps).toHaveLength(1);
    expect((await readFile(join(dir, 'backups', dumps[0]!))).subarray(0, 5).toString()).toBe('PGDMP');

    await psql('DELETE FROM items WHERE id > 10');
    expect(await psql('SELECT count(*) FROM items')).toBe('10');
    const restore = await cli(['restore-db', join(dir, 'backups', dumps[0]!), '-y']);
    expect(restore.code, out(restore)).toBe(0);
    expect(restore.stdout).toContain('public.items 500');
    expect(await psql('SELECT count(*) FROM items')).toBe('500');
    expect(await containers()).toContain(`${project}_web_g2:running`);
    expect(await health(`${project}_web_g2`)).toBe('healthy');
  });

  it('status, logs and events read the stack; recover brings it back after its containers stopped', async () => {
    const status = await cli(['status', '--json']);
    expect(status.code, out(status)).toBe(0);
    const report = JSON.parse(status.stdout) as {
      ok: boolean;
      engine: { product?: string };
      services: { service: string; state: string; health: string | null }[];
    };
    expect(report.engine.product).toBe('Podman');
    expect(report.services.map((r) => [r.service, r.state, r.health])).toEqual([
      ['db', 'running', 'healthy'],
      ['web', 'running', 'healthy'],
    ]);

    const logs = await cli(['logs', 'db', '--tail', '50']);
    expect(logs.code, out(logs)).toBe(0);
    expect(logs.stdout + logs.stderr).toContain('database system is ready to accept connections');

    const events = await cli(['events', '--json']);
    expect(events.code, out(events)).toBe(0);
    expect(events.stdout).toContain('"event":"container.ready"');

    // As after a host restart: everything stopped, nothing brought it back.
    await podman.podman(['stop', '-t', '5', `${project}_web_g2`, `${project}_db`]);
    const down = await cli(['status']);
    expect(down.code, out(down)).toBe(1);
    const recover = await cli(['recover', '-y']);
    expect(recover.code, out(recover)).toBe(0);
    expect(await containers()).toEqual([`${project}_db:running`, `${project}_web_g2:running`]);
    expect(await health(`${project}_web_g2`)).toBe('healthy');
    expect(await psql('SELECT count(*) FROM items')).toBe('500');
    const again = await cli(['recover', '-y']);
    expect(again.code, out(again)).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/nothing to (do|recover)/i);
  });

  it('down removes every app generation and leaves the database running', async () => {
    const run = await cli(['down', '-y']);
    expect(run.code, out(run)).toBe(0);
    expect(await containers()).toEqual([`${project}_db:running`]);
    expect(await psql('SELECT count(*) FROM items')).toBe('500');
  });
});

// The same Engine contract the Docker adapter meets (engine-contract.test.ts), on Podman.
describeEngineContract('DockerEngine on podman system service', () => {
  contractEngine ??= connectEngine({ ...process.env, DOCKER_HOST: podman.host });
  return { engine: contractEngine, image: 'deployctl-fixture/app:v1', project: contractProject };
});

describe('deployctl against Podman whose networks have no DNS (CNI without the dnsname plugin)', () => {
  let cni: PodmanService | undefined;
  const cniProject = uniqueProject('podcni');

  afterAll(async () => {
    if (cni) {
      await cni.cleanup(cniProject);
      await cni.stop();
    }
  });

  it('refuses the network, naming the missing DNS, and leaves no network behind', async () => {
    cni = await startPodman({ networkBackend: 'cni' });
    const cniDir = await mkdtemp(join(tmpdir(), 'deployctl-e2e-podcni-'));
    const cniSpec = join(cniDir, 'deployctl.yaml');
    await writeFile(
      cniSpec,
      `version: 1\nproject: ${cniProject}\ninfra:\n  networks:\n    ${cniProject}_net: {}\napps:\n  services:\n    web:\n      image: deployctl-fixture/app:v1\n      networks: [${cniProject}_net]\n`,
    );
    const run = await deployctl(['apply', '-y', '-f', cniSpec], {
      cwd: cniDir,
      env: { DOCKER_HOST: cni.host },
    });
    expect(run.code, out(run)).toBe(1);
    expect(run.stderr).toContain(`network ${cniProject}_net on Podman at ${cni.host} has no DNS`);
    expect(run.stderr).toContain('network_backend = "netavark"');
    expect(run.stderr).toContain('The network was removed again.');
    expect(await cni.podman(['network', 'ls', '--format', '{{.Name}}'])).not.toContain(cniProject);
    // No app container was made; the project's own state container (revision store) may be.
    const apps = await cni.podman([
      'ps',
      '-a',
      '--filter',
      `label=deployctl.project=${cniProject}`,
      '--filter',
      'label=deployctl.role=app',
      '-q',
    ]);
    expect(apps).toBe('');
  }, 120_000);
});
