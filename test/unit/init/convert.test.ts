/**
 * What `deployctl init` decides for each part of a Compose file, and how it says so: the
 * report (checked against schemas/init.schema.json) and a comment beside each line concerned.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readComposeOrFail } from '../../../src/init/init.js';
import { convertIn, copyStack } from './corpus.js';

const validReport = new Ajv2020.default({ strict: true, allowUnionTypes: true }).compile(
  JSON.parse(readFileSync(new URL('../../../schemas/init.schema.json', import.meta.url), 'utf8')) as object,
);

/** A value in parsed YAML, or undefined when the path is not there. */
function at(tree: unknown, ...path: string[]): unknown {
  let node = tree;
  for (const key of path)
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

const dirs: string[] = [];
function stack(name: string): string {
  const dir = copyStack(name);
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function convert(name: string, opts: Parameters<typeof convertIn>[1] = {}) {
  const dir = stack(name);
  const { report, text } = await convertIn(dir, opts);
  expect(validReport(JSON.parse(JSON.stringify(report))), JSON.stringify(validReport.errors)).toBe(true);
  return { dir, report, text, spec: parse(text) as unknown };
}

describe('deployctl init: classification', () => {
  it('databases, caches and proxies become infra with a fixed name; stateless services become apps', async () => {
    const { report, spec } = await convert('webapp-postgres', { project: 'shop' });
    const roles = Object.fromEntries(report.services.map((s) => [s.name, s.role]));
    expect(roles).toEqual({ web: 'app', worker: 'app', db: 'infra', redis: 'infra', nginx: 'infra' });
    expect(at(spec, 'infra', 'services', 'db', 'container_name')).toBe('shop_db');
    expect(at(spec, 'apps', 'services', 'web', 'container_name')).toBeUndefined();
    expect(report.services.find((s) => s.name === 'db')?.reason).toMatch(
      /postgres:16-alpine is a well-known database image/,
    );
  });

  it('an explicit container_name or a writable named volume makes a service infra; a read-only one does not', async () => {
    const wp = await convert('wordpress-mysql');
    expect(wp.report.services.map((s) => [s.name, s.role])).toEqual([
      ['wordpress', 'infra'],
      ['mysql', 'infra'],
    ]);
    expect(at(wp.spec, 'infra', 'services', 'wordpress', 'container_name')).toBe(
      '${COMPOSE_PROJECT_NAME}_wordpress',
    );
    const nc = await convert('nextcloud-like');
    const roles = Object.fromEntries(nc.report.services.map((s) => [s.name, s.role]));
    // app and cron write to the nextcloud volume; web mounts it read-only.
    expect(roles).toMatchObject({ app: 'infra', cron: 'infra', web: 'app', db: 'infra', redis: 'infra' });
  });

  it('a service extending an infra service is infra too', async () => {
    const { report } = await convert('extends-base');
    expect(report.services.find((s) => s.name === 'queue')?.role).toBe('infra');
    expect(report.services.find((s) => s.name === 'runner-fast')?.role).toBe('app');
  });
});

describe('deployctl init: volumes, dirs, networks', () => {
  it('.env gives Compose project name: volumes keep the names docker compose gave them', async () => {
    const { report, spec } = await convert('wordpress-mysql');
    expect(report.project).toBe('myblog');
    expect(report.volumes).toEqual([{ compose: 'db', name: 'myblog_db', external: false, exists: null }]);
    expect(at(spec, 'infra', 'services', 'mysql', 'volumes')).toEqual(['myblog_db:/var/lib/mysql']);
    expect(at(spec, 'infra', 'services', 'wordpress', 'volumes')).toEqual([
      'wp-content:/var/www/html/wp-content',
    ]);
    expect(at(spec, 'infra', 'dirs')).toEqual({ 'wp-content': { path: './wp-content' } });
  });

  it('a volume the engine already has is made external; one it lacks is left for apply to create', async () => {
    const { report, spec, text } = await convert('webapp-postgres', {
      env: { COMPOSE_PROJECT_NAME: 'shop' },
      volumes: new Set(['shop_pgdata']),
    });
    expect(report.engine_checked).toBe(true);
    expect(at(spec, 'infra', 'volumes', 'shop_pgdata')).toEqual({ external: true });
    expect(at(spec, 'infra', 'volumes', 'shop_redisdata')).toEqual({});
    expect(report.volumes.map((v) => [v.name, v.external, v.exists])).toEqual([
      ['shop_pgdata', true, true],
      ['shop_redisdata', false, false],
    ]);
    expect(text).toMatch(
      /# init: CHECK already exists on the engine .*made external[^\n]*\n(\s+#[^\n]*\n)*\s+shop_pgdata:/,
    );
  });

  it('without an engine, says that volumes holding data must be made external by hand', async () => {
    const { report, text } = await convert('webapp-postgres', { env: { COMPOSE_PROJECT_NAME: 'shop' } });
    expect(report.engine_checked).toBe(false);
    expect(report.volumes.every((v) => v.exists === null && !v.external)).toBe(true);
    expect(text).toMatch(
      /# init: CHECK engine not checked: if this volume already holds data .*set external: true\n(\s+#[^\n]*\n)*\s+shop_pgdata:/,
    );
  });

  it('a bind-mounted file becomes a config, a directory an infra dir; services without networks share a default one', async () => {
    const { spec } = await convert('monitoring', { project: 'mon' });
    expect(at(spec, 'configs')).toEqual({ 'prometheus.yml': { file: './prometheus.yml' } });
    expect(at(spec, 'infra', 'services', 'prometheus', 'configs')).toEqual([
      { source: 'prometheus.yml', target: '/etc/prometheus/prometheus.yml' },
    ]);
    expect(at(spec, 'infra', 'dirs')).toEqual({ grafana_provisioning: { path: './grafana/provisioning' } });
    expect(at(spec, 'infra', 'networks')).toEqual({ mon_default: {} });
    expect(at(spec, 'apps', 'services', 'node-exporter', 'pid')).toBeUndefined();
    expect(at(spec, 'apps', 'services', 'node-exporter', 'network_mode')).toBeUndefined();
  });

  it('external networks keep their name; aliases are dropped with a note', async () => {
    const { spec, text } = await convert('traefik-proxy', { project: 'edge' });
    expect(at(spec, 'infra', 'networks')).toEqual({ proxy: { external: true } });
    expect(at(spec, 'apps', 'services', 'whoami', 'networks')).toEqual({ proxy: {} });
    expect(text).toMatch(
      /# init: dropped aliases: the service name is its alias on each network\n\s+proxy: \{\}/,
    );
  });
});

describe('deployctl init: keys', () => {
  it('build: services get the image docker compose build tags, and a CHECK comment on that line', async () => {
    const { report, spec, text } = await convert('builds', { env: { COMPOSE_PROJECT_NAME: 'builds' } });
    expect(report.services.find((s) => s.name === 'frontend')?.build).toEqual({
      context: './frontend',
      image: 'builds-frontend',
    });
    expect(at(spec, 'apps', 'services', 'frontend', 'image')).toBe('builds-frontend');
    expect(at(spec, 'apps', 'services', 'frontend', 'build')).toBeUndefined();
    expect(text).toMatch(
      /image: builds-frontend # init: CHECK was build: \.\/frontend; deployctl deploys images/,
    );
  });

  it('a one-off job others wait to complete is flagged, and the wait on it dropped; "no" stays a string', async () => {
    const { report, spec, text } = await convert('builds');
    expect(at(spec, 'apps', 'services', 'backend', 'depends_on')).toEqual({
      postgres: { condition: 'service_healthy' },
    });
    const notes = report.notes.filter((n) => n.kind === 'attention').map((n) => `${n.path}: ${n.message}`);
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^apps\.services\.backend: depends_on migrate \(service_completed_successfully\) dropped/,
        ),
        expect.stringMatching(/^apps\.services\.migrate: a one-off job/),
      ]),
    );
    expect(text).toContain('restart: "no"');
  });

  it('a database block is proposed for the first Postgres service, from its environment', async () => {
    const limits = await convert('limits');
    expect(at(limits.spec, 'infra', 'services', 'db', 'database')).toEqual({
      engine: 'postgres',
      name: 'ledger',
      user: 'ledger',
    });
    const builds = await convert('builds');
    expect(at(builds.spec, 'infra', 'services', 'postgres', 'database')).toEqual({
      engine: 'postgres',
      name: 'app',
      user: 'app',
    });
  });

  it('Swarm-only deploy keys and unsupported keys are dropped and noted beside the service', async () => {
    const { report, spec, text } = await convert('limits');
    expect(report.project).toBe('ledger');
    expect(at(spec, 'apps', 'services', 'api', 'deploy')).toEqual({
      resources: { limits: { cpus: '2', memory: '1G' }, reservations: { memory: '256M' } },
    });
    expect(at(spec, 'apps', 'services', 'api', 'cpus')).toBeUndefined();
    expect(text).toMatch(/# init: dropped deploy\.replicas, deploy\.restart_policy: Swarm settings/);
    const mon = await convert('monitoring');
    const notes = mon.report.notes.filter((n) => n.path === 'apps.services.node-exporter');
    expect(notes.map((n) => n.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pid: dropped/),
        expect.stringMatching(/^network_mode: dropped/),
      ]),
    );
  });

  it('legacy keys: version and links dropped, port ranges expanded, mount options reduced to ro/rw', async () => {
    const { spec, report } = await convert('legacy-v2');
    expect(at(spec, 'version')).toBe(1);
    expect(at(spec, 'apps', 'services', 'app', 'links')).toBeUndefined();
    expect(at(spec, 'apps', 'services', 'app', 'ports')).toEqual(['8000:8000', '8001:8001', '8002:8002']);
    expect(report.notes.some((n) => n.kind === 'dropped' && n.path === 'version')).toBe(true);
  });

  it('secrets from the environment have no deployctl form: dropped with the references to them', async () => {
    const { spec } = await convert('secrets-files');
    expect(at(spec, 'secrets')).toEqual({
      db_password: { file: './secrets/db_password.txt' },
      api_token: { file: './secrets/api_token.txt' },
    });
    expect(at(spec, 'apps', 'services', 'app', 'secrets')).toEqual([
      'db_password',
      { source: 'api_token', target: 'api-token' },
    ]);
  });

  it('every note is a comment in the file, and the file carries no secret value from .env', async () => {
    const { report, text } = await convert('webapp-postgres');
    for (const n of report.notes) expect(text).toContain(n.message.split('\n')[0]);
    expect(text).not.toContain('change-me-please');
    expect(text).toContain('${POSTGRES_PASSWORD}');
  });
});

describe('deployctl init: output file', () => {
  it('never overwrites an existing file without --force; a file holding this very conversion is left as it is', async () => {
    const dir = stack('profiles-debug');
    writeFileSync(join(dir, 'deployctl.yaml'), 'mine\n');
    await expect(convertIn(dir)).rejects.toMatchObject({ code: 'FILE_EXISTS', exitCode: 1 });
    expect(readFileSync(join(dir, 'deployctl.yaml'), 'utf8')).toBe('mine\n');
    const forced = await convertIn(dir, { force: true });
    expect(forced.report.unchanged).toBeUndefined();
    expect(forced.text).toMatch(/^# Converted from docker-compose.yml/);
    // The same command again (as after a run killed once the file was written): nothing to do.
    const again = await convertIn(dir);
    expect(again.report.unchanged).toBe(true);
    expect(again.text).toBe(forced.text);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('written elsewhere: relative paths are rebased onto the spec and the .env is named to copy', async () => {
    const dir = stack('webapp-postgres');
    mkdirSync(join(dir, 'deploy'));
    const { report, text } = await convertIn(dir, { output: 'deploy/deployctl.yaml', project: 'shop' });
    expect(report.validation).toEqual({ ok: true, problems: [] });
    expect(at(parse(text), 'infra', 'dirs')).toEqual({ static: { path: '../static' } });
    expect(at(parse(text), 'apps', 'services', 'web', 'env_file')).toBe('../.env');
    expect(
      report.notes.some((n) => n.kind === 'attention' && /copy it beside deployctl.yaml/.test(n.message)),
    ).toBe(true);
  });

  it('a file that is not a Compose file is refused, and nothing is written', async () => {
    const dir = stack('profiles-debug');
    writeFileSync(join(dir, 'docker-compose.yml'), 'just: text\n');
    await expect(
      readComposeOrFail({ from: 'docker-compose.yml', output: 'out.yaml', force: false, cwd: dir, env: {} }),
    ).rejects.toThrow(/has no services/);
  });
});
