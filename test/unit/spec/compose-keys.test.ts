import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceDefinition } from '../../../src/spec/config-hash.js';
import type { ServiceSpec, Spec } from '../../../src/spec/model.js';
import { imageInfo, managedContainer, observedState } from '../../support/builders.js';
import { only, plan } from '../plan/plan-helpers.js';
import { HEAD, loadErrors, loadOk, tempDir } from './helpers.js';

function svc(spec: Spec, name: string): ServiceSpec {
  const found = [...spec.infra.services, ...spec.apps.services].find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

const app = (keys: string): string => `${HEAD}apps:
  services:
    api:
      image: shop/api:v1
${keys
  .split('\n')
  .map((l) => (l ? `      ${l}` : l))
  .join('\n')}
`;

describe('Compose service keys: schema → normalized settings', () => {
  it('normalizes a production service block into the engine units', async () => {
    const spec = await loadOk(
      app(`logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}
mem_limit: 512m
mem_reservation: 256MiB
memswap_limit: 1g
cpus: 1.5
cpu_shares: 512
pids_limit: 200
shm_size: 256m
ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}
extra_hosts: ["host.docker.internal:host-gateway", "db6=::1"]
cap_add: [net_admin, CAP_SYS_TIME]
cap_drop: [ALL]
tmpfs: ["/run", "/tmp:size=64m,mode=1777"]
read_only: true
security_opt: ["no-new-privileges:true"]
sysctls: ["net.core.somaxconn=1024"]
hostname: api
domainname: example.com
dns: 1.1.1.1
group_add: [audio, 1001]
privileged: false
platform: linux/AMD64
stdin_open: true
tty: true
expose: [3000, "4000/udp"]
devices: ["/dev/fuse", "/dev/zero:/dev/myzero:r"]`),
    );
    expect(svc(spec, 'api').settings).toEqual({
      logging: { driver: 'json-file', options: { 'max-file': '3', 'max-size': '10m' } },
      memLimit: 536870912,
      memReservation: 268435456,
      memswapLimit: 1073741824,
      nanoCpus: 1_500_000_000,
      cpuShares: 512,
      pidsLimit: 200,
      shmSize: 268435456,
      ulimits: [
        { name: 'nofile', soft: 20000, hard: 40000 },
        { name: 'nproc', soft: 65535, hard: 65535 },
      ],
      extraHosts: ['host.docker.internal:host-gateway', 'db6:::1'],
      capAdd: ['NET_ADMIN', 'SYS_TIME'],
      capDrop: ['ALL'],
      tmpfs: { '/run': '', '/tmp': 'size=64m,mode=1777' },
      readOnly: true,
      securityOpt: ['no-new-privileges:true'],
      sysctls: { 'net.core.somaxconn': '1024' },
      hostname: 'api',
      domainname: 'example.com',
      dns: ['1.1.1.1'],
      groupAdd: ['audio', '1001'],
      privileged: false,
      platform: 'linux/amd64',
      stdinOpen: true,
      tty: true,
      expose: ['3000/tcp', '4000/udp'],
      devices: [
        { pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', permissions: 'rwm' },
        { pathOnHost: '/dev/zero', pathInContainer: '/dev/myzero', permissions: 'r' },
      ],
    });
  });

  it('gives equal meanings one config hash: 512m = 536870912 = deploy.resources.limits.memory', async () => {
    const dir = tempDir();
    const a = svc(
      await loadOk(app('mem_limit: 512m\ncpus: "0.5"\nextra_hosts: {gw: host-gateway}'), { dir }),
      'api',
    );
    const b = svc(
      await loadOk(app('mem_limit: 536870912\ncpus: 0.5\nextra_hosts: ["gw=host-gateway"]'), { dir }),
      'api',
    );
    const c = svc(
      await loadOk(
        app(
          'deploy: {resources: {limits: {memory: 0.5g, cpus: "0.50"}, reservations: {cpus: "0.25"}}}\nextra_hosts: ["gw:host-gateway"]',
        ),
        {
          dir,
        },
      ),
      'api',
    );
    expect(b.configHash).toBe(a.configHash);
    expect(c.configHash).toBe(a.configHash);
    const d = svc(
      await loadOk(app('mem_limit: 1g\ncpus: 0.5\nextra_hosts: {gw: host-gateway}'), { dir }),
      'api',
    );
    expect(d.configHash).not.toBe(a.configHash);
  });

  it('leaves the definition of a service without these keys as it was (no new fields, same hash)', async () => {
    const spec = await loadOk(app('environment: {A: "1"}'));
    expect(svc(spec, 'api').settings).toBeUndefined();
    expect(Object.keys(serviceDefinition(svc(spec, 'api'), 'shop', []))).toEqual([
      'environment',
      'image',
      'labels',
      'mounts',
      'networks',
      'ports',
      'stopGracePeriodMs',
    ]);
  });

  it('rejects bad values with one located message each', async () => {
    const errors = await loadErrors(
      app(`mem_limit: lots
cpus: many
memswap_limit: 1g
ulimits: {nofile: {soft: 10}}
extra_hosts: ["nohost"]
deploy: {replicas: 2, resources: {limits: {memory: 1g}, reservations: {devices: []}}}`),
    );
    expect(errors).toEqual([
      'deployctl.yaml:7:18: apps.services.api.mem_limit must be a size like 512m, 1g, 100k or a number of bytes',
      'deployctl.yaml:8:13: apps.services.api.cpus must be a number of CPUs, e.g. 0.5 or 2',
      'deployctl.yaml:10:17: apps.services.api.ulimits.nofile is missing required key "hard"',
      'deployctl.yaml:11:21: apps.services.api.extra_hosts[0] must be host:address or host=address, e.g. host.docker.internal:host-gateway',
      expect.stringMatching(
        /^deployctl\.yaml:12:16: apps\.services\.api\.deploy has key "replicas", which is a Swarm setting: .*only deploy\.resources/,
      ),
      expect.stringMatching(
        /^deployctl\.yaml:12:78: apps\.services\.api\.deploy\.resources\.reservations has key "devices", which is a Compose key deployctl does not support \(GPU/,
      ),
    ]);
  });

  it('checks limits against each other: memswap needs mem_limit, deploy and service keys must agree', async () => {
    expect(await loadErrors(app('memswap_limit: 1g'))).toEqual([
      expect.stringMatching(/apps\.services\.api\.memswap_limit needs mem_limit/),
    ]);
    expect(await loadErrors(app('mem_limit: 1g\nmemswap_limit: 512m'))).toEqual([
      expect.stringMatching(/memswap_limit is smaller than mem_limit/),
    ]);
    expect(await loadErrors(app('mem_limit: 1g\ndeploy: {resources: {limits: {memory: 2g}}}'))).toEqual([
      expect.stringMatching(/deploy\.resources\.limits\.memory differs from mem_limit/),
    ]);
    const ok = await loadOk(
      app('mem_limit: 1g\nmemswap_limit: -1\ndeploy: {resources: {limits: {memory: 1024m}}}'),
    );
    expect(svc(ok, 'api').settings).toEqual({ memLimit: 1073741824, memswapLimit: -1 });
  });

  it('accepts anchors, << merge keys and x- fields at the top level and in services', async () => {
    const spec = await loadOk(`${HEAD}x-logging: &logging
  logging: {driver: json-file, options: {max-size: 10m}}
x-limits: &limits
  mem_limit: 256m
  shm_size: 128m
apps:
  services:
    api:
      <<: [*logging, *limits]
      image: shop/api:v1
      x-team: core
    worker:
      <<: *logging
      image: shop/worker:v1
      mem_limit: 1g
`);
    expect(svc(spec, 'api').settings).toEqual({
      logging: { driver: 'json-file', options: { 'max-size': '10m' } },
      memLimit: 268435456,
      shmSize: 134217728,
    });
    expect(svc(spec, 'worker').settings).toMatchObject({ memLimit: 1073741824 });
  });
});

describe('env_file', () => {
  const files = (dir: string, entries: Record<string, string>): void => {
    for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  };

  it('adds the files in order, environment: wins, and values of secret-looking keys are masked', async () => {
    const dir = tempDir();
    files(dir, {
      'app.env': '# app\nLOG_LEVEL=info\nAPI_TOKEN="tok-from-file-123"\nSHARED=one\n',
      'local.env': 'SHARED=two\n',
    });
    const spec = await loadOk(
      app(
        'env_file: [app.env, local.env, {path: missing.env, required: false}]\nenvironment: {LOG_LEVEL: debug}',
      ),
      {
        dir,
      },
    );
    const api = svc(spec, 'api');
    expect(api.environment).toEqual({ API_TOKEN: 'tok-from-file-123', LOG_LEVEL: 'debug', SHARED: 'two' });
    expect(api.sensitiveKeys).toEqual(['API_TOKEN']);
    expect(spec.sensitiveValues).toContain('tok-from-file-123');
    expect(JSON.stringify(serviceDefinition(api, 'shop', spec.sensitiveValues))).not.toContain(
      'tok-from-file',
    );
  });

  it('puts the content, not the name, in the config hash: an edit of the file is a change', async () => {
    const dir = tempDir();
    files(dir, { '.env.app': 'A=1\n' });
    const yaml = app('env_file: .env.app');
    const before = svc(await loadOk(yaml, { dir }), 'api').configHash;
    expect(svc(await loadOk(yaml, { dir }), 'api').configHash).toBe(before);
    files(dir, { '.env.app': 'A=2\n' });
    expect(svc(await loadOk(yaml, { dir }), 'api').configHash).not.toBe(before);
  });

  it('reports a missing file and a bad line, pointing at the entry, without echoing values', async () => {
    const dir = tempDir();
    files(dir, { 'bad.env': 'GOOD=1\nthis is not SECRET=xyz\n' });
    const errors = await loadErrors(app('env_file: [nope.env, bad.env]'), { dir });
    expect(errors).toEqual([
      expect.stringMatching(
        /^deployctl\.yaml:7:18: apps\.services\.api\.env_file\[0\] names nope\.env, which does not exist \(relative to the spec file\); create it, or mark it \{path: nope\.env, required: false\}$/,
      ),
      expect.stringMatching(
        /^deployctl\.yaml:7:28: apps\.services\.api\.env_file\[1\] bad\.env: line 2 is not a KEY=VALUE line/,
      ),
    ]);
    expect(errors.join('\n')).not.toContain('xyz');
  });
});

describe('plan: a changed limit', () => {
  it('is a replace of that service naming only the changed field, and an unchanged spec is a no-op', async () => {
    const dir = tempDir();
    const yaml = (mem: string): string => `${HEAD}apps:
  services:
    api: {image: shop/api:v1, mem_limit: ${mem}, shm_size: 64m, ulimits: {nofile: 1024}}
    web: {image: shop/web:v1, cpus: 0.5}
`;
    const live = await loadOk(yaml('512m'), { dir });
    const containers = live.apps.services.map((s) => managedContainer(live, s, { deployId: 'd1' }));
    const images = [imageInfo('shop/api:v1'), imageInfo('shop/web:v1')];
    const same = plan(await loadOk(yaml('536870912'), { dir }), observedState({ images, containers }), {
      deployId: 'd1',
    });
    expect(same.summary).toMatchObject({ create: 0, replace: 0 });

    const changed = plan(await loadOk(yaml('1g'), { dir }), observedState({ images, containers }), {
      deployId: 'd1',
    });
    const api = only(changed, 'shop_api_d1');
    expect(api).toMatchObject({ kind: 'replace' });
    expect(api.changes).toEqual([
      {
        field: 'memLimit',
        before: '536870912',
        after: '1073741824',
        sensitive: false,
        forcesReplacement: true,
      },
    ]);
    expect(only(changed, 'shop_web_d1').kind).toBe('noop');
  });
});
