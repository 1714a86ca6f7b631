import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/errors.js';
import { configHash, serviceDefinition } from '../../../src/spec/config-hash.js';
import { loadSpec } from '../../../src/spec/load.js';
import type { ServiceSpec, Spec } from '../../../src/spec/model.js';
import { HEAD, loadOk, tempDir } from './helpers.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures/specs');

async function allForms(): Promise<Spec> {
  const result = await loadSpec('all-forms.yaml', { env: { A: 'from-env-a' }, cwd: fixtures });
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.spec;
}

function service(spec: Spec, name: string): ServiceSpec {
  const found = [...spec.infra.services, ...spec.apps.services].find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

describe('normalize: every Compose form → Spec', () => {
  it('resolves paths against the spec file, not the working directory', async () => {
    const spec = await allForms();
    expect(spec.file).toBe(resolve(fixtures, 'all-forms.yaml'));
    expect(spec.dir).toBe(fixtures);
    expect(spec.infra.dirs).toEqual([
      { name: 'certs', path: resolve(fixtures, 'certs') },
      { name: 'abs', path: '/srv/forms/abs' },
    ]);
    expect(spec.backups).toEqual({ dir: resolve(fixtures, '../backups'), keep: 3 });
    expect(spec.cleanup).toEqual({ keepGenerations: 0, protect: ['legacy_*'] });
  });

  it('expands volumes and networks with their map, list and empty forms', async () => {
    const spec = await allForms();
    expect(spec.infra.volumes).toEqual([
      { name: 'data', external: false, labels: {} },
      { name: 'ext', external: true, labels: {} },
      { name: 'labelled', external: false, driver: 'local', labels: { team: 'core', tier: '' } },
    ]);
    expect(spec.infra.networks).toEqual([
      { name: 'front', external: false, labels: {} },
      { name: 'back', external: false, driver: 'bridge', labels: { team: 'core' } },
    ]);
  });

  it('types every mount form: named volume, dir, absolute bind, anonymous; short and long', async () => {
    const db = service(await allForms(), 'db');
    expect(db.mounts).toEqual([
      { type: 'volume', name: 'data', target: '/var/lib/postgresql/data', readOnly: false },
      { type: 'volume', name: 'ext', target: '/ext', readOnly: true },
      { type: 'dir', dir: 'certs', source: resolve(fixtures, 'certs'), target: '/certs', readOnly: true },
      { type: 'dir', dir: 'abs', source: '/srv/forms/abs', target: '/abs', readOnly: false },
      { type: 'bind', source: '/srv/host', target: '/host', readOnly: false },
      { type: 'bind', source: '/srv/other', target: '/other', readOnly: true },
      { type: 'anonymous', target: '/anon' },
      { type: 'anonymous', target: '/anon2' },
    ]);
  });

  it('merges `<<: *anchor` keys from an x- field and keeps infra-only fields', async () => {
    const db = service(await allForms(), 'db');
    expect(db.restart).toBe('unless-stopped');
    expect(db.stopGracePeriodMs).toBe(90_000);
    expect(db.containerName).toBe('forms_db');
    expect(db.database).toEqual({ engine: 'postgres', name: 'app', user: 'app' });
  });

  it('parses every port form', async () => {
    const web = service(await allForms(), 'web');
    expect(web.ports).toEqual([
      { containerPort: 80, protocol: 'tcp' },
      { containerPort: 81, protocol: 'tcp' },
      { hostPort: 8080, containerPort: 82, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 8081, containerPort: 83, protocol: 'tcp' },
      { hostIp: '127.0.0.1', containerPort: 84, protocol: 'tcp' },
      { hostPort: 8082, containerPort: 85, protocol: 'udp' },
      { hostIp: '::1', hostPort: 8083, containerPort: 86, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 8084, containerPort: 87, protocol: 'udp' },
      { containerPort: 88, protocol: 'tcp' },
    ]);
  });

  it('splits a string command like a shell and keeps a list entrypoint', async () => {
    const web = service(await allForms(), 'web');
    expect(web.command).toEqual(['echo', 'hello world', 'a b', 'c d', '']);
    expect(web.entrypoint).toEqual(['/bin/sh', '-c']);
  });

  it('sorts environment and stringifies numbers and booleans; list form with KEY alone reads the environment', async () => {
    const spec = await allForms();
    const web = service(spec, 'web');
    expect(Object.entries(web.environment)).toEqual([
      ['A', '1'],
      ['B', 'two'],
      ['C', 'true'],
      ['D', ''],
    ]);
    const worker = service(spec, 'worker');
    expect(Object.entries(worker.environment)).toEqual([
      ['A', 'from-env-a'],
      ['B', 'two=2'],
      ['EMPTY', ''],
    ]);
  });

  it('reads networks, labels and depends_on from both their list and map forms', async () => {
    const spec = await allForms();
    const web = service(spec, 'web');
    const worker = service(spec, 'worker');
    expect(web.networks).toEqual(['front', 'back']);
    expect(worker.networks).toEqual(['back']);
    expect(Object.entries(web.labels)).toEqual([
      ['a.first', '2'],
      ['z.last', '1'],
    ]);
    expect(worker.labels).toEqual({ x: '1', y: '' });
    expect(web.dependsOn).toEqual(['worker', 'db']);
    expect(worker.dependsOn).toEqual(['db']);
  });

  it('turns a string healthcheck test into CMD-SHELL, durations into ms, and disable into NONE', async () => {
    const spec = await allForms();
    expect(service(spec, 'web').healthcheck).toEqual({
      test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
      intervalMs: 10_000,
      timeoutMs: 5_000,
      retries: 3,
      startPeriodMs: 60_000,
    });
    expect(service(spec, 'worker').healthcheck).toEqual({ test: ['NONE'] });
  });

  it('keeps the remaining scalar settings', async () => {
    const web = service(await allForms(), 'web');
    expect(web).toMatchObject({
      init: true,
      user: '1000:1000',
      workingDir: '/app',
      stopSignal: 'SIGQUIT',
      pullPolicy: 'always',
      role: 'app',
    });
    expect(web.containerName).toBeUndefined();
  });

  it('points source at the service key', async () => {
    const spec = await allForms();
    expect(service(spec, 'db').source).toBe('all-forms.yaml:28:5');
    expect(service(spec, 'web').source).toBe('all-forms.yaml:54:5');
  });
});

describe('normalize: defaults', () => {
  const minimal = `${HEAD}apps:\n  services:\n    api:\n      image: shop/api:v1\n`;

  it('fills Compose and deployctl defaults', async () => {
    const spec = await loadOk(minimal);
    const [api] = spec.apps.services;
    expect(api).toMatchObject({
      pullPolicy: 'missing',
      stopGracePeriodMs: 10_000,
      waitTimeoutMs: 60_000,
      environment: {},
      sensitiveKeys: [],
      ports: [],
      mounts: [],
      networks: [],
      labels: {},
      dependsOn: [],
    });
    expect(api && 'healthcheck' in api).toBe(false);
    expect(spec.cleanup).toEqual({ keepGenerations: 2, protect: [] });
    expect(spec.backups.keep).toBe(10);
    expect(spec.backups.dir).toBe(resolve(spec.dir, 'backups'));
    expect(spec.infra).toEqual({ volumes: [], networks: [], dirs: [], services: [] });
  });

  it.each([
    ['no healthcheck', '', 60_000],
    [
      'healthcheck with Docker defaults',
      'healthcheck: { test: [CMD, "true"] }',
      0 + (30_000 + 30_000) * 3 + 10_000,
    ],
    [
      'explicit timings',
      'healthcheck: { test: [CMD, "true"], interval: 2s, timeout: 1s, retries: 5, start_period: 20s }',
      20_000 + 3_000 * 5 + 10_000,
    ],
    ['disabled healthcheck', 'healthcheck: { disable: true }', 60_000],
    ['NONE test', 'healthcheck: { test: [NONE] }', 60_000],
    ['explicit wait_timeout wins', 'healthcheck: { test: [CMD, "true"] }\n      wait_timeout: 2m', 120_000],
    ['plain number wait_timeout is seconds', 'wait_timeout: 90', 90_000],
  ])('derives wait_timeout: %s', async (_name, extra, expected) => {
    const spec = await loadOk(`${minimal}      ${extra}\n`);
    expect(spec.apps.services[0]?.waitTimeoutMs).toBe(expected);
  });
});

describe('normalize: hashes', () => {
  const spec = (password: string, image = 'shop/api:v1'): string =>
    `${HEAD}apps:\n  services:\n    api:\n      image: ${image}\n      environment:\n        DB_PASSWORD: ${password}\n        MODE: prod\n`;

  it('sets configHash to the hash of the masked service definition', async () => {
    const loaded = await loadOk(spec('s3cret-one'));
    const api = loaded.apps.services[0];
    if (!api) throw new Error('no api');
    expect(api.configHash).toBe(configHash(serviceDefinition(api, 'shop', loaded.sensitiveValues)));
    expect(api.configHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('moves with the spec directory: paths are absolute, so the same text elsewhere is another spec', async () => {
    const here = await loadOk(spec('s3cret-one'));
    const there = await loadOk(spec('s3cret-one'));
    expect(there.backups.dir).not.toBe(here.backups.dir);
    expect(there.specHash).not.toBe(here.specHash);
  });

  it('changes configHash and specHash when a secret or the image changes, and not otherwise', async () => {
    // Same directory each time: absolute paths (backups, dirs) are part of the spec hash.
    const dir = tempDir();
    const a = await loadOk(spec('s3cret-one'), { dir });
    const same = await loadOk(spec('s3cret-one'), { dir });
    const otherSecret = await loadOk(spec('s3cret-two'), { dir });
    const otherImage = await loadOk(spec('s3cret-one', 'shop/api:v2'), { dir });
    expect(same.specHash).toBe(a.specHash);
    expect(same.apps.services[0]?.configHash).toBe(a.apps.services[0]?.configHash);
    expect(otherSecret.specHash).not.toBe(a.specHash);
    expect(otherSecret.apps.services[0]?.configHash).not.toBe(a.apps.services[0]?.configHash);
    expect(otherImage.specHash).not.toBe(a.specHash);
  });

  it('changes specHash, but not configHash, for settings that never reach the container', async () => {
    const dir = tempDir();
    const base = await loadOk(spec('s3cret-one'), { dir });
    const waited = await loadOk(`${spec('s3cret-one')}      wait_timeout: 5m\n`, { dir });
    expect(waited.apps.services[0]?.configHash).toBe(base.apps.services[0]?.configHash);
    expect(waited.specHash).not.toBe(base.specHash);
    const kept = await loadOk(`${spec('s3cret-one')}cleanup:\n  keep_generations: 5\n`, { dir });
    expect(kept.specHash).not.toBe(base.specHash);
  });
});
