/**
 * What the crash harness looks at before a killed run and after its re-run, straight on the
 * engine and the disk (never through the code under test): infra container ids, the
 * database's table checksums, the files of infra dirs, the serving generation, and what an
 * interrupted run may leave behind (the lock, a `.partial` backup, a renamed-aside container).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type Docker from 'dockerode';
import { ASIDE_NAME } from '../../../src/engine/labels.js';

/** The deployment a crash case runs against, and how to look at it. */
export interface CrashSubject {
  project: string;
  /** A client of the engine the CLI talks to (the shared one, or a private dockerd). */
  docker: Docker;
  /** The app services of the spec: a serving generation has one healthy container of each. */
  appServices: string[];
  /** Infra dirs (e.g. letsencrypt) whose files must survive every case byte for byte. */
  dirs?: string[];
  /** `backups.dir`: no temporary dump may be left there. */
  backupsDir?: string;
  /** SQL in the database, psql's unaligned tuples-only output; absent: no DB checks. */
  sql?: (text: string) => Promise<string>;
}

export interface Snapshot {
  /** infra container name -> id */
  infra: Record<string, string>;
  /** `schema.table` -> `rows:md5`, or undefined without a DB */
  tables?: Record<string, string>;
  /** path relative to its dir -> sha256 */
  files: Record<string, string>;
  /** deploy ids with a running app container */
  serving: string[];
}

const label = (project: string, role?: string): string[] =>
  role ? [`deployctl.project=${project}`, `deployctl.role=${role}`] : [`deployctl.project=${project}`];

export async function snapshot(s: CrashSubject): Promise<Snapshot> {
  const infra: Record<string, string> = {};
  const list = await s.docker.listContainers({ all: true, filters: { label: label(s.project, 'infra') } });
  for (const c of list) {
    const name = (c.Names[0] ?? '').replace(/^\//, '');
    if (!ASIDE_NAME.test(name)) infra[name] = c.Id;
  }
  return {
    infra,
    // Before a first deploy there is no database yet; after a case, a missing one shows as a change.
    tables: s.sql ? await tableChecksums(s.sql).catch(() => undefined) : undefined,
    files: await dirFiles(s.dirs ?? []),
    serving: await servingIds(s),
  };
}

/** Every user table's row count and md5 over its rows in a stable order. */
export async function tableChecksums(
  sql: (text: string) => Promise<string>,
): Promise<Record<string, string>> {
  const names = (
    await sql(
      "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    )
  )
    .split('\n')
    .filter(Boolean);
  if (names.length === 0) return {};
  const query = names
    .map(
      (t) =>
        `SELECT '${t}' || '|' || count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM ${t} x`,
    )
    .join(' UNION ALL ');
  const out: Record<string, string> = {};
  for (const line of (await sql(query)).split('\n').filter(Boolean)) {
    const [table, sum] = line.split('|');
    out[table!] = sum!;
  }
  return out;
}

async function dirFiles(dirs: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const dir of dirs) {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isFile())) {
      const path = join(e.parentPath, e.name);
      out[`${dir}:${relative(dir, path)}`] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    }
  }
  return out;
}

async function servingIds(s: CrashSubject): Promise<string[]> {
  const running = await s.docker.listContainers({ filters: { label: label(s.project, 'app') } });
  return [...new Set(running.map((c) => c.Labels['deployctl.deploy-id'] ?? '?'))].sort();
}

/** What a converged end state must look like, beyond the re-run's exit code and the plan. */
export interface EndState {
  /** The deploy id that must be the only one serving, every service healthy. */
  serving: string;
  /** Table checksums that must hold (default: the ones before the case). */
  tables?: Record<string, string>;
}

/** Each way the engine and disk differ from a converged end state, as one line each. */
export async function checkConverged(s: CrashSubject, before: Snapshot, want: EndState): Promise<string[]> {
  const failures: string[] = [];
  const after = await snapshot(s).catch((err: unknown) => {
    failures.push(`could not look at the end state: ${(err as Error).message}`);
    return undefined;
  });
  if (!after) return failures;
  for (const [name, id] of Object.entries(before.infra)) {
    if (after.infra[name] !== id)
      failures.push(`infra container ${name} ${after.infra[name] ? 'was recreated' : 'is gone'}`);
  }
  const tables = want.tables ?? before.tables;
  if (tables && JSON.stringify(after.tables) !== JSON.stringify(tables))
    failures.push(`table checksums changed: ${JSON.stringify(tables)} -> ${JSON.stringify(after.tables)}`);
  for (const [file, sum] of Object.entries(before.files)) {
    if (after.files[file] !== sum) failures.push(`${file} ${after.files[file] ? 'changed' : 'is gone'}`);
  }
  failures.push(...(await checkServing(s, want.serving)));
  failures.push(...(await leftovers(s)));
  return failures;
}

async function checkServing(s: CrashSubject, deployId: string): Promise<string[]> {
  const running = await s.docker.listContainers({ filters: { label: label(s.project, 'app') } });
  const ids = [...new Set(running.map((c) => c.Labels['deployctl.deploy-id']))];
  const failures: string[] = [];
  if (ids.length !== 1 || ids[0] !== deployId)
    failures.push(
      `generation ${deployId} should be the only one serving; running: ${ids.join(', ') || 'none'}`,
    );
  for (const service of s.appServices) {
    const c = running.find(
      (x) => x.Labels['deployctl.deploy-id'] === deployId && x.Labels['deployctl.service'] === service,
    );
    if (!c) continue;
    const health = await settledHealth(s, c.Id);
    if (health !== undefined && health !== 'healthy')
      failures.push(`${service} of ${deployId} is ${health}, not healthy`);
  }
  return failures;
}

/** The lock, temporary dumps and renamed-aside containers an interrupted run may leave. */
export async function leftovers(s: CrashSubject): Promise<string[]> {
  const failures: string[] = [];
  const all = await s.docker.listContainers({ all: true, filters: { label: label(s.project) } });
  for (const c of all) {
    const name = (c.Names[0] ?? '').replace(/^\//, '');
    if (c.Labels['deployctl.role'] === 'lock') failures.push(`lock container ${name} left behind`);
    else if (ASIDE_NAME.test(name)) failures.push(`renamed-aside container ${name} left behind`);
  }
  if (s.backupsDir) {
    const names = await readdir(s.backupsDir).catch(() => [] as string[]);
    for (const n of names.filter((x) => x.startsWith('.') || x.endsWith('.partial')))
      failures.push(`temporary file ${n} left in backups.dir`);
  }
  return failures;
}

/**
 * The engine's health verdict, once it has one: apply's gate may open on its own run of the
 * healthcheck before the engine's first check, so `starting` is waited out (a few intervals of
 * the e2e stacks), never taken for healthy.
 */
async function settledHealth(s: CrashSubject, id: string): Promise<string | undefined> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const health = (await s.docker.getContainer(id).inspect()).State.Health?.Status;
    if (health !== 'starting' || Date.now() > deadline) return health;
    await new Promise((r) => setTimeout(r, 200));
  }
}
