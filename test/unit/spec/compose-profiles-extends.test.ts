import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activeProfiles } from '../../../src/spec/compose-profiles.js';
import type { ServiceSpec, Spec } from '../../../src/spec/model.js';
import { HEAD, loadErrors, loadOk, tempDir } from './helpers.js';

const names = (spec: Spec): string[] =>
  [...spec.infra.services, ...spec.apps.services].map((s) => s.name).sort();

function svc(spec: Spec, name: string): ServiceSpec {
  const found = [...spec.infra.services, ...spec.apps.services].find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

const PROFILED = `${HEAD}apps:
  services:
    api:
      image: shop/api:v1
    adminer:
      image: shop/adminer:v1
      profiles: [debug]
    seed:
      image: shop/seed:v1
      profiles: [debug, fixtures]
`;

describe('Compose profiles', () => {
  it('a service with profiles is left out unless one of its profiles is selected', async () => {
    expect(names(await loadOk(PROFILED))).toEqual(['api']);
    expect(names(await loadOk(PROFILED, { profiles: ['debug'] }))).toEqual(['adminer', 'api', 'seed']);
    expect(names(await loadOk(PROFILED, { profiles: ['fixtures'] }))).toEqual(['api', 'seed']);
    expect(names(await loadOk(PROFILED, { profiles: ['*'] }))).toEqual(['adminer', 'api', 'seed']);
  });

  it('selecting a profile does not change the definition (hash) of the other services', async () => {
    const dir = tempDir();
    const plain = await loadOk(PROFILED, { dir });
    const debug = await loadOk(PROFILED, { dir, profiles: ['debug'] });
    expect(svc(debug, 'api').configHash).toBe(svc(plain, 'api').configHash);
  });

  it('a selected service depending on an unselected one is an error naming the profile', async () => {
    const errors = await loadErrors(`${HEAD}apps:
  services:
    api:
      image: shop/api:v1
      depends_on: [mock]
    mock:
      image: shop/mock:v1
      profiles: [test]
`);
    expect(errors.join('\n')).toMatch(
      /apps\.services\.api\.depends_on\[0\] names mock, which is deployed only with profile "test", not selected; select it \(--profile test\)/,
    );
  });

  it('rejects a malformed profiles list with a schema message', async () => {
    const errors = await loadErrors(`${HEAD}apps:
  services:
    api:
      image: shop/api:v1
      profiles: "debug"
`);
    expect(errors.join('\n')).toContain('apps.services.api.profiles');
  });

  it('--profile flags win over DEPLOYCTL_PROFILES, which is comma-separated', () => {
    expect(activeProfiles(['a'], 'b,c')).toEqual(['a']);
    expect(activeProfiles(undefined, ' b, c ,,b')).toEqual(['b', 'c']);
    expect(activeProfiles([], undefined)).toEqual([]);
    expect(activeProfiles(['a,b', 'c'], undefined)).toEqual(['a', 'b', 'c']);
  });
});

describe('Compose extends', () => {
  it('merges a base service of the same spec as Compose does', async () => {
    const spec = await loadOk(`${HEAD}apps:
  services:
    base:
      image: shop/api:v1
      environment: [LOG_LEVEL=info, REGION=eu]
      labels: { team: core }
      cap_add: [CHOWN]
      mem_limit: 256m
      command: ["serve"]
    worker:
      extends: base
      environment: { LOG_LEVEL: debug }
      cap_add: [NET_ADMIN]
      command: ["work"]
    cron:
      extends: { service: worker }
      mem_limit: 128m
`);
    const worker = svc(spec, 'worker');
    expect(worker.image).toBe('shop/api:v1');
    expect(worker.environment).toEqual({ LOG_LEVEL: 'debug', REGION: 'eu' });
    expect(worker.settings).toMatchObject({ capAdd: ['CHOWN', 'NET_ADMIN'], memLimit: 268435456 });
    expect(worker.command).toEqual(['work']);
    const cron = svc(spec, 'cron');
    expect(cron.environment).toEqual({ LOG_LEVEL: 'debug', REGION: 'eu' });
    expect(cron.settings).toMatchObject({ memLimit: 134217728 });
  });

  it('reads the base from another file (a Compose file), its env_file relative to that file', async () => {
    const dir = tempDir();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'common'));
    writeFileSync(
      join(dir, 'common', 'compose.yml'),
      `services:
  web:
    image: shop/web:\${TAG:-v1}
    env_file: web.env
    logging: { driver: json-file, options: { max-size: 5m } }
`,
    );
    writeFileSync(join(dir, 'common', 'web.env'), 'FROM_BASE=yes\n');
    const spec = await loadOk(
      `${HEAD}apps:
  services:
    web:
      extends: { service: web, file: common/compose.yml }
      environment: { OWN: "1" }
`,
      { dir, env: { TAG: 'v7' } },
    );
    const web = svc(spec, 'web');
    expect(web.image).toBe('shop/web:v7');
    expect(web.environment).toEqual({ FROM_BASE: 'yes', OWN: '1' });
    expect(web.settings?.logging).toEqual({ driver: 'json-file', options: { 'max-size': '5m' } });
  });

  it('reports a missing base, a missing file and a cycle', async () => {
    const errors = (
      await loadErrors(`${HEAD}apps:
  services:
    a:
      extends: b
    b:
      image: shop/b:v1
      extends: a
    c:
      extends: nope
    d:
      extends: { service: x, file: missing.yml }
`)
    ).join('\n');
    expect(errors).toMatch(
      /apps\.services\.a\.extends forms a cycle: (a -> b -> a|b -> a -> b); remove one extends/,
    );
    expect(errors).toMatch(/apps\.services\.c\.extends names service "nope", which is not in this spec/);
    expect(errors).toMatch(/apps\.services\.d\.extends names file missing\.yml, which cannot be read/);
  });
});
