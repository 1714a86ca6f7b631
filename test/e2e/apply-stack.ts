/**
 * The seed's "sancho" stack for the apply/plan e2e tests, on the real engine, under a unique
 * project: Postgres (fixture) on an external volume made by the test, a proxy with a
 * letsencrypt dir and a loopback-only random host port, and backend + frontend apps. Knobs are
 * environment variables the spec interpolates (TAG, UNHEALTHY, FAIL_START, WAIT, APP_IMAGE,
 * DB_IMAGE, PULL), so one spec serves every scenario as a user would drive it.
 *
 * Looking at the result goes through the engine (dockerode), `docker exec psql`, and HTTP from
 * inside the project network, never through the code under test.
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { deployctl, startCli, writeSpec, type CliOptions, type CliRun } from './support/cli.js';
import { cleanupProject, createTestVolume, docker, execIn, psql, uniqueProject } from './support/engine.js';

export const APP = 'deployctl-fixture/app';
export const PG = 'deployctl-fixture/postgres:15';

export interface StackOptions {
  keep?: number;
  /** Adds a `protect` glob and nothing else: the test makes the legacy container itself. */
  protect?: boolean;
  /** Without the db and proxy: a fast apps-only stack (lock and CLI tests). */
  appsOnly?: boolean;
  /** `cleanup.max_age`, e.g. `15s`. */
  maxAge?: string;
}

export interface Stack {
  project: string;
  specPath: string;
  dir: string;
  volume: string;
  net: string;
  db: string;
  proxy: string;
  letsencrypt: string;
  /** `deployctl ARGS -f SPEC` in CI mode (plain lines, no prompts), with extra env. */
  cli(args: string[], opts?: CliOptions): Promise<CliRun>;
  start(args: string[], opts?: CliOptions): ReturnType<typeof startCli>;
  /** `psql` as the stack's user; returns unaligned tuples-only output. */
  sql(text: string): Promise<string>;
  /** GET http://HOST:8000/PATH from inside the project network (bash /dev/tcp in the db container). */
  http(host: string, path: string): Promise<string>;
  /** Id of a container by name, or undefined when there is none. */
  idOf(name: string): Promise<string | undefined>;
  /** Inspect state by name: `running`, `exited`, ... or undefined when gone. */
  stateOf(name: string): Promise<string | undefined>;
  /** The project's app containers: name -> state. */
  apps(): Promise<Record<string, string>>;
  app(service: string, deployId: string): string;
  cleanup(): Promise<void>;
}

function yaml(project: string, volume: string, opts: StackOptions): string {
  const net = `${project}_net`;
  const infra = opts.appsOnly
    ? `infra:
  networks:
    ${net}: {}`
    : `infra:
  volumes:
    ${volume}: { external: true }
    ${project}_logs: {}
  networks:
    ${net}: {}
  dirs:
    letsencrypt: { path: ./letsencrypt }
  services:
    db:
      container_name: ${project}_db
      image: \${DB_IMAGE:-${PG}}
      environment:
        POSTGRES_DB: shop
        POSTGRES_USER: shop
        POSTGRES_PASSWORD: \${DB_PASSWORD:-e2e-db-password}
      volumes: ["${volume}:/var/lib/postgresql/data"]
      networks: [${net}]
      healthcheck: { test: ["CMD", "pg_isready", "-U", "shop", "-d", "shop"], interval: 1s, retries: 30 }
      database: { engine: postgres, name: shop, user: shop }
    proxy:
      container_name: ${project}_proxy_persistent
      image: ${APP}:v1
      environment: { ACME_DIR: /letsencrypt }
      volumes: ["letsencrypt:/letsencrypt", "${project}_logs:/logs"]
      ports: ["127.0.0.1::8000"]
      networks: [${net}]`;
  return `version: 1
project: ${project}
${infra}
apps:
  services:
    backend:
      image: \${APP_IMAGE:-${APP}}:\${TAG:-v1}
      pull_policy: \${PULL:-missing}
      environment:
        DATABASE_URL: "postgres://shop:\${DB_PASSWORD:-e2e-db-password}@db/shop"
        UNHEALTHY: "\${UNHEALTHY:-}"
        FAIL_START: "\${FAIL_START:-}"
      networks: [${net}]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: "\${RETRIES:-20}" }
      wait_timeout: \${WAIT:-60s}
      stop_grace_period: 5s${opts.appsOnly ? '' : '\n      depends_on: [db]'}
    frontend:
      image: \${APP_IMAGE:-${APP}}:\${TAG:-v1}
      pull_policy: \${PULL:-missing}
      networks: [${net}]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 20 }
      depends_on: [backend]
cleanup:
  keep_generations: ${opts.keep ?? 2}${opts.maxAge ? `\n  max_age: ${opts.maxAge}` : ''}
  protect: ["${project}_*_persistent"]
`;
}

export async function createStack(prefix: string, opts: StackOptions = {}): Promise<Stack> {
  const project = uniqueProject(prefix);
  const volume = `${project}_pgdata`;
  if (!opts.appsOnly) await createTestVolume(volume, project);
  const specPath = await writeSpec(yaml(project, volume, opts));
  const dir = dirname(specPath);
  const db = `${project}_db`;
  const withSpec = (args: string[], o: CliOptions = {}): [string[], CliOptions] => [
    [...args, '--file', specPath],
    { cwd: dir, ...o },
  ];
  const inspect = async (name: string) => {
    try {
      return await docker.getContainer(name).inspect();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  };
  return {
    project,
    specPath,
    dir,
    volume,
    net: `${project}_net`,
    db,
    proxy: `${project}_proxy_persistent`,
    letsencrypt: `${dir}/letsencrypt`,
    cli: (args, o) => deployctl(...withSpec(args, o)),
    start: (args, o) => startCli(...withSpec(args, o)),
    sql: (text) => psql(db, text),
    http: async (host, path) => {
      const script = `exec 3<>/dev/tcp/${host}/8000 && printf 'GET ${path} HTTP/1.0\\r\\nHost: ${host}\\r\\n\\r\\n' >&3 && cat <&3`;
      const res = await execText(db, ['bash', '-c', script]);
      return res.stdout.split('\r\n\r\n').slice(1).join('\r\n\r\n').trim();
    },
    idOf: async (name) => (await inspect(name))?.Id,
    stateOf: async (name) => (await inspect(name))?.State.Status,
    apps: async () => {
      const list = await docker.listContainers({
        all: true,
        filters: { label: [`deployctl.project=${project}`, 'deployctl.role=app'] },
      });
      const entries: [string, string][] = list.map((c) => [(c.Names[0] ?? '').replace(/^\//, ''), c.State]);
      return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
    },
    app: (service, deployId) => `${project}_${service}_${deployId}`,
    cleanup: async () => {
      await cleanupProject(project);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a command in a container through the engine; fails on a non-zero exit. */
/** `execIn` with text output, for the apply tests' HTTP and version checks. */
export async function execText(
  container: string,
  cmd: string[],
): Promise<{ stdout: string; stderr: string }> {
  const res = await execIn(container, cmd);
  return { stdout: res.stdout.toString(), stderr: res.stderr };
}

/** Everything a run printed, for assertion messages. */
export function output(run: CliRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
