/**
 * A real stack for the db e2e tests: Postgres (fixture image, external volume made by the
 * test) plus one app, created with `deployctl apply -y` as a user would, and small helpers to
 * look at it through the engine: SQL through `docker exec psql`, the running app containers.
 */
import { expect } from 'vitest';
import { acquireLock, type HeldLock } from '../../src/apply/lock.js';
import { connectEngine } from '../../src/engine/connect.js';
import { systemClock } from '../../src/util/clock.js';
import { deployctl, writeSpec, type CliOptions, type CliRun } from './support/cli.js';
import { createTestVolume, docker, execIn, psql, uniqueProject } from './support/engine.js';

export interface DbStack {
  project: string;
  specPath: string;
  /** Directory of the spec; backups go to `<dir>/backups`. */
  dir: string;
  backups: string;
  volume: string;
  db: string;
  /** `deployctl ARGS -f <spec>` with the e2e defaults (CI, no colour). */
  cli(args: string[], opts?: CliOptions): Promise<CliRun>;
  /** Runs SQL in the database; returns psql's unaligned, tuples-only output. */
  sql(sql: string): Promise<string>;
  /** md5 over every row of `items`: equal checksums mean identical data. */
  checksum(): Promise<string>;
  /** Names of the project's RUNNING app containers, sorted. */
  runningApps(): Promise<string[]>;
}

export async function startDbStack(prefix: string, opts: { keep?: number } = {}): Promise<DbStack> {
  const project = uniqueProject(prefix);
  const volume = await createTestVolume(`${project}_pg`, project);
  const db = `${project}_db`;
  const yaml = `version: 1
project: ${project}
infra:
  volumes:
    ${volume}: { external: true }
  networks:
    ${project}_net: {}
  services:
    db:
      container_name: ${db}
      image: deployctl-fixture/postgres:15
      environment:
        POSTGRES_DB: shop
        POSTGRES_USER: shop
        POSTGRES_PASSWORD: \${DB_PASSWORD:-e2e-db-password}
      volumes: ["${volume}:/var/lib/postgresql/data"]
      networks: [${project}_net]
      healthcheck:
        test: ["CMD", "pg_isready", "-U", "shop", "-d", "shop"]
        interval: 1s
        retries: 30
      database: { engine: postgres, name: shop, user: shop }
apps:
  services:
    web:
      image: deployctl-fixture/app:v1
      networks: [${project}_net]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, retries: 20 }
      depends_on: [db]
backups:
  dir: ./backups
  keep: ${opts.keep ?? 10}
`;
  const specPath = await writeSpec(yaml);
  const dir = specPath.slice(0, -'/deployctl.yaml'.length);
  const cli = (args: string[], o: CliOptions = {}): Promise<CliRun> =>
    deployctl([...args, '-f', specPath], { cwd: dir, ...o });
  const applied = await cli(['apply', '-y']);
  expect(applied.code, applied.stderr).toBe(0);
  const sql = (text: string): Promise<string> => psql(db, text);
  return {
    project,
    specPath,
    dir,
    backups: `${dir}/backups`,
    volume,
    db,
    cli,
    sql,
    checksum: () =>
      sql(
        "SELECT count(*) || ':' || md5(coalesce(string_agg(id || '=' || name, ',' ORDER BY id), '')) FROM items",
      ),
    runningApps: async () => {
      const list = await docker.listContainers({
        filters: { label: [`deployctl.project=${project}`, 'deployctl.role=app'] },
      });
      return list.map((c) => (c.Names[0] ?? '').replace(/^\//, '')).sort();
    },
  };
}

/** A plain `pg_dump --clean --if-exists` of the database, taken in the container. */
export async function plainDump(container: string): Promise<Buffer> {
  return (await execIn(container, ['pg_dump', '--clean', '--if-exists', '-U', 'shop', 'shop'])).stdout;
}

/** Seeds `items` with `n` rows (replacing what was there). */
export async function seedItems(stack: DbStack, n: number): Promise<void> {
  await stack.sql(
    `DROP TABLE IF EXISTS items; CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); INSERT INTO items SELECT g, 'item-' || g FROM generate_series(1, ${n}) g;`,
  );
}

/** The project's lock, held as another host's `deployctl apply` would hold it. */
export function holdLockElsewhere(project: string): Promise<HeldLock> {
  return acquireLock(
    connectEngine(process.env),
    project,
    { host: 'elsewhere', pid: 1, deployId: 'x', command: 'deployctl apply', since: new Date().toISOString() },
    { timeoutMs: 0, clock: systemClock },
  );
}
