import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/errors.js';
import { loadSpec } from '../../../src/spec/load.js';

const repo = resolve(import.meta.dirname, '../../..');

describe('examples/sancho/deployctl.yaml', () => {
  it('is a valid spec with local defaults for every variable', async () => {
    const result = await loadSpec('examples/sancho/deployctl.yaml', {
      env: {},
      cwd: repo,
      deployId: 'v1',
      deployIdSource: 'flag',
    });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    const { spec } = result;
    expect(result.warnings.map(formatIssue)).toEqual([]);
    expect(spec.project).toBe('sancho');
    expect(spec.infra.services.map((s) => [s.name, s.containerName, s.image])).toEqual([
      ['db', 'sancho_db_v2', 'deployctl-fixture/postgres:15'],
      ['proxy', 'sancho_proxy_persistent', 'deployctl-fixture/proxy:caddy'],
    ]);
    expect(spec.apps.services.map((s) => [s.name, s.image, s.dependsOn])).toEqual([
      ['backend', 'deployctl-fixture/app:v1', ['db']],
      ['frontend', 'deployctl-fixture/app:v1', ['backend']],
    ]);
    const [db, proxy] = spec.infra.services;
    expect(db?.database).toEqual({ engine: 'postgres', name: 'maestro_inventario', user: 'maestro' });
    expect(db?.mounts).toEqual([
      { type: 'volume', name: 'sancho_postgres_data', target: '/var/lib/postgresql/data', readOnly: false },
    ]);
    expect(db?.sensitiveKeys).toEqual(['POSTGRES_PASSWORD']);
    expect(spec.infra.volumes).toEqual([{ name: 'sancho_postgres_data', external: true, labels: {} }]);
    expect(proxy?.ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8088, containerPort: 80, protocol: 'tcp' },
    ]);
    expect(proxy?.mounts).toEqual([
      {
        type: 'dir',
        dir: 'letsencrypt',
        source: resolve(repo, 'examples/sancho/letsencrypt'),
        target: '/data',
        readOnly: false,
      },
    ]);
    expect(spec.proxy).toEqual({
      service: 'proxy',
      listen: 8080,
      routes: [
        { host: 'api.sancho.localhost', service: 'backend', port: 8000 },
        { service: 'frontend', port: 8000 },
      ],
      drainMs: { backend: 2000, frontend: 2000 },
    });
    for (const app of spec.apps.services) {
      expect(app.healthcheck?.test).toEqual(['CMD', 'wget', '-qO-', 'http://127.0.0.1:8000/health']);
      expect(app.healthcheck?.intervalMs).toBe(1000);
      expect(app.networks).toEqual(['sancho_net']);
    }
    expect(spec.cleanup).toEqual({ keepGenerations: 2, protect: ['sancho_*_persistent'] });
    expect(spec.backups).toEqual({ dir: resolve(repo, 'examples/sancho/backups'), keep: 10 });
    expect(spec.sensitiveValues).toContain('maestro-dev');
  });

  it('takes every image from a variable', async () => {
    const env = {
      DB_IMAGE: 'postgres:16',
      PROXY_IMAGE: 'caddy:2',
      APP_IMAGE: 'reg.example/sancho/app',
      TAG: '2.0',
    };
    const result = await loadSpec('examples/sancho/deployctl.yaml', { env, cwd: repo });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect([...result.spec.infra.services, ...result.spec.apps.services].map((s) => s.image)).toEqual([
      'postgres:16',
      'caddy:2',
      'reg.example/sancho/app:2.0',
      'reg.example/sancho/app:2.0',
    ]);
  });
});

describe('the example of SPEC.md (test/fixtures/specs/spec-md-example.yaml)', () => {
  it('is valid with TAG and DB_PASSWORD set, and masks the password everywhere it flows', async () => {
    const result = await loadSpec('test/fixtures/specs/spec-md-example.yaml', {
      env: { TAG: '1.4.2', DB_PASSWORD: 'pg-pass-1234' },
      cwd: repo,
    });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    const { spec } = result;
    expect(spec.infra.volumes.map((v) => [v.name, v.external])).toEqual([
      ['sancho_postgres_data', true],
      ['traefik_logs', false],
    ]);
    expect(spec.infra.services.find((s) => s.name === 'traefik')?.ports).toEqual([
      { hostPort: 80, containerPort: 80, protocol: 'tcp' },
      { hostPort: 443, containerPort: 443, protocol: 'tcp' },
    ]);
    const backend = spec.apps.services.find((s) => s.name === 'backend');
    expect(backend?.image).toBe('registry.example.com/sancho/backend:1.4.2');
    expect(backend?.sensitiveKeys).toEqual(['DATABASE_URL']);
    expect(spec.sensitiveValues).toContain('pg-pass-1234');
  });

  it('stops with one located error per unset variable when TAG and DB_PASSWORD are missing', async () => {
    const result = await loadSpec('test/fixtures/specs/spec-md-example.yaml', { env: {}, cwd: repo });
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.issues.map(formatIssue);
    expect(lines.map((l) => l.replace(/: .*? uses (\$\{\w+\}).*/, ' $1'))).toEqual([
      'test/fixtures/specs/spec-md-example.yaml:31:28 ${DB_PASSWORD}',
      'test/fixtures/specs/spec-md-example.yaml:46:14 ${TAG}',
      'test/fixtures/specs/spec-md-example.yaml:47:36 ${DB_PASSWORD}',
      'test/fixtures/specs/spec-md-example.yaml:54:14 ${TAG}',
    ]);
  });
});
