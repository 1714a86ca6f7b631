/**
 * A stack for db unit tests: a spec with a Postgres infra service (database: block, external
 * volume, network) and two apps (web depends on api), a FakeEngine holding what apply would
 * have created, a clock that never sleeps, and a fake of the pg_* tools behind `onExec`.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerDefinition } from '../../../src/apply/container-definition.js';
import type { ExecOptions, ExecResult } from '../../../src/engine/port.js';
import type { Spec } from '../../../src/spec/model.js';
import type { Clock } from '../../../src/util/clock.js';
import { appService, buildSpec, infraService, networkSpec, volumeSpec } from '../../support/builders.js';
import { FakeEngine } from '../../support/fake-engine.js';

export const DEPLOY_ID = 'g1';

/** Starts at 2026-11-23T08:00:00Z; `sleep` moves time forward instead of waiting. */
export function testClock(start = Date.UTC(2026, 10, 23, 8, 0, 0)): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'deployctl-db-unit-'));
}

export function dbSpec(backupsDir: string, keep = 3): Spec {
  const healthcheck = { test: ['CMD', 'pg_isready'], intervalMs: 1000, retries: 5 };
  const spec = buildSpec({
    project: 'shop',
    volumes: [volumeSpec('shop_pg', true)],
    networks: [networkSpec('shop_net')],
    infra: [
      infraService('db', {
        containerName: 'shop_db',
        image: 'deployctl-fixture/postgres:15',
        environment: { POSTGRES_PASSWORD: 'pw-secret', POSTGRES_USER: 'shop', POSTGRES_DB: 'shop' },
        sensitiveKeys: ['POSTGRES_PASSWORD'],
        mounts: [{ type: 'volume', name: 'shop_pg', target: '/var/lib/postgresql/data', readOnly: false }],
        networks: ['shop_net'],
        healthcheck,
        database: { engine: 'postgres', name: 'shop', user: 'shop' },
      }),
    ],
    apps: [
      appService('api', {
        image: 'deployctl-fixture/app:v1',
        networks: ['shop_net'],
        healthcheck,
        dependsOn: ['db'],
      }),
      appService('web', {
        image: 'deployctl-fixture/app:v1',
        networks: ['shop_net'],
        healthcheck,
        dependsOn: ['api'],
      }),
    ],
  });
  spec.backups = { dir: backupsDir, keep };
  return spec;
}

/** The engine as `deployctl apply` leaves it for `spec`: volume, network, db and both apps running. */
export function appliedEngine(spec: Spec, clock: Clock): FakeEngine {
  const engine = new FakeEngine(clock);
  engine.addVolume('shop_pg');
  engine.addNetwork('shop_net');
  for (const s of [...spec.infra.services, ...spec.apps.services]) {
    const imageId = engine.addImage(s.image);
    engine.addContainer(containerDefinition(s, spec, DEPLOY_ID, imageId));
  }
  return engine;
}

export const APPS = [`shop_api_${DEPLOY_ID}`, `shop_web_${DEPLOY_ID}`];

export interface PgCall {
  tool: string;
  args: string[];
  /** Everything sent on stdin, when there was stdin. */
  input?: Buffer;
  env?: Record<string, string>;
}

/**
 * The pg_* tools as seen through exec. Knobs decide what they answer; `calls` records what ran
 * in order (engine-level stop/start calls are in FakeEngine.calls).
 */
export class FakePg {
  readonly calls: PgCall[] = [];
  dumpBytes: Buffer = Buffer.concat([Buffer.from('PGDMP'), Buffer.alloc(2000, 7)]);
  dumpExit = 0;
  databaseSize = 1000;
  rowCounts: [string, number][] = [['public.items', 42]];
  toc = ['214; 1259 16385 TABLE public items shop', '3344; 0 16385 TABLE DATA public items shop'];
  listExit = 0;
  restoreResult: ExecResult = { exitCode: 0, stdout: '', stderr: '' };
  /** Called when the restore (pg_restore or psql -f -) starts, before it answers. */
  onRestore?: () => Promise<void>;
  terminated = 0;

  handler = async (_c: unknown, cmd: string[], opts: ExecOptions): Promise<ExecResult> => {
    const [tool = '', ...args] = cmd;
    const call: PgCall = { tool, args, ...(opts.env ? { env: opts.env } : {}) };
    this.calls.push(call);
    const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '' });
    if (tool === 'pg_isready') return ok('accepting connections');
    if (tool === 'pg_dump') {
      if (this.dumpExit !== 0)
        return { exitCode: this.dumpExit, stdout: 'PGDMP half', stderr: 'pg_dump: error: connection lost\n' };
      return ok(this.dumpBytes.toString('latin1'));
    }
    if (tool === 'pg_restore' && args.includes('--list')) {
      // Like pg_restore: read the header and TOC, then exit without reading the data.
      call.input = await readHead(opts.stdin);
      return this.listExit === 0
        ? ok(`;\n; Archive\n;\n${this.toc.join('\n')}\n`)
        : {
            exitCode: 1,
            stdout: '',
            stderr: 'pg_restore: error: could not read from input file: end of file\n',
          };
    }
    if (tool === 'pg_restore' || (tool === 'psql' && args.includes('-f'))) {
      call.input = await readAll(opts.stdin);
      await this.onRestore?.();
      return this.restoreResult;
    }
    if (tool === 'psql') {
      const sql = args[args.indexOf('-c') + 1] ?? '';
      if (sql.includes('pg_database_size')) return ok(`${this.databaseSize}\n`);
      if (sql.includes('count(*)')) {
        // Like the server: a count of named tables answers for those only, otherwise for all.
        const named = [...sql.matchAll(/FROM "([^"]+)"\."([^"]+)"/g)].map((m) => `${m[1]}.${m[2]}`);
        const rows = this.rowCounts.filter(([t]) => named.length === 0 || named.includes(t));
        return ok(rows.map(([t, n]) => `${t}\t${n}\n`).join(''));
      }
      if (sql.includes('pg_terminate_backend')) {
        this.terminated++;
        return ok('t\n');
      }
    }
    return { exitCode: 127, stdout: '', stderr: `fake pg: unknown command ${cmd.join(' ')}\n` };
  };

  tools(): string[] {
    return this.calls.map((c) =>
      c.tool === 'psql'
        ? `psql ${describeSql(c.args)}`
        : `${c.tool}${c.args.includes('--list') ? ' --list' : ''}`,
    );
  }
}

function describeSql(args: string[]): string {
  if (args.includes('-f')) return '-f -';
  const sql = args[args.indexOf('-c') + 1] ?? '';
  return sql.includes('pg_database_size')
    ? 'size'
    : sql.includes('count(*)')
      ? 'count'
      : sql.includes('pg_terminate_backend')
        ? 'terminate'
        : sql;
}

async function readHead(stream: AsyncIterable<Uint8Array | string> | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  // Copied: a source may refill the same buffer for its next chunk.
  for await (const c of stream) return Buffer.from(c);
  return Buffer.alloc(0);
}

async function readAll(stream: AsyncIterable<Uint8Array | string> | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
