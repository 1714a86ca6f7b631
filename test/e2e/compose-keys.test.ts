/**
 * A service block pasted from a production Compose file, on the real engine: env_file,
 * logging, memory/CPU/pids limits (also via deploy.resources), shm_size, ulimits, extra_hosts
 * with host-gateway, capabilities, tmpfs, read_only, security_opt, sysctls, hostname, dns,
 * devices, ... `docker inspect` shows each setting; re-planning is a no-op (no perpetual diff
 * from the engine's units and defaults); an edit of the env_file's content is a replace that
 * never prints the secret it holds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, output } from './apply-stack.js';
import { deployctl, writeSpec } from './support/cli.js';
import { cleanupProject, docker, execIn, uniqueProject } from './support/engine.js';

const project = uniqueProject('compose');
const net = `${project}_net`;
let specPath: string;
const name = `${project}_web_d1`;

const SECRET_V1 = 'tok-first-7f3a9c';
const SECRET_V2 = 'tok-second-2b8e41';

const spec = `version: 1
project: ${project}
x-logging: &default-logging
  driver: json-file
  options: { max-size: 10m, max-file: "3" }
infra:
  networks:
    ${net}: {}
apps:
  services:
    web:
      image: ${APP}:v1
      x-team: storefront
      env_file: [.env.web, { path: .env.optional, required: false }]
      environment:
        FROM_SPEC: spec-wins
      networks: [${net}]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 30 }
      logging: *default-logging
      mem_limit: 256m
      mem_reservation: 64M
      memswap_limit: 512m
      cpus: "0.5"
      cpu_shares: 512
      deploy:
        resources:
          limits: { pids: 200 }
      shm_size: 128mb
      ulimits:
        nofile: { soft: 1000, hard: 2000 }
        nproc: 512
      extra_hosts: ["host.docker.internal:host-gateway", "legacy.example=10.1.2.3"]
      cap_drop: [ALL]
      cap_add: [CHOWN, cap_net_bind_service]
      tmpfs: ["/tmp:size=16m"]
      read_only: true
      security_opt: ["no-new-privileges:true"]
      sysctls: { net.core.somaxconn: 1024 }
      hostname: web-1
      domainname: shop.internal
      dns: [127.0.0.53]
      group_add: ["1234"]
      devices: ["/dev/null:/dev/xnull:rw"]
      platform: linux/amd64
      stdin_open: true
      tty: false
      expose: ["8000"]
      stop_grace_period: 5s
`;

const envFile = (token: string) => `# Compose .env format
LOG_LEVEL=info
export GREETING="hello world"
API_TOKEN=${token}
FROM_SPEC=file-loses
`;

const cli = (args: string[]) => deployctl([...args, '--file', specPath]);

async function inspect() {
  return docker.getContainer(name).inspect();
}

beforeAll(async () => {
  specPath = await writeSpec(spec, { '.env.web': envFile(SECRET_V1) });
});

afterAll(async () => {
  await cleanupProject(project);
});

describe('a pasted Compose service block on the real engine', () => {
  it('applies, and docker inspect shows every setting', async () => {
    const run = await cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(SECRET_V1);

    const c = await inspect();
    expect(c.State.Running).toBe(true);
    const h = c.HostConfig;
    expect(h.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-file': '3', 'max-size': '10m' } });
    expect(h.Memory).toBe(256 * 1024 * 1024);
    expect(h.MemoryReservation).toBe(64 * 1024 * 1024);
    expect(h.MemorySwap).toBe(512 * 1024 * 1024);
    expect(h.NanoCpus).toBe(500_000_000);
    expect(h.CpuShares).toBe(512);
    expect(h.PidsLimit).toBe(200);
    expect(h.ShmSize).toBe(128 * 1024 * 1024);
    expect(h.Ulimits).toEqual([
      { Name: 'nofile', Soft: 1000, Hard: 2000 },
      { Name: 'nproc', Soft: 512, Hard: 512 },
    ]);
    expect(h.ExtraHosts).toEqual(['host.docker.internal:host-gateway', 'legacy.example:10.1.2.3']);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.CapAdd).toEqual(['CHOWN', 'NET_BIND_SERVICE']);
    expect(h.Tmpfs).toEqual({ '/tmp': 'size=16m' });
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(h.Sysctls).toEqual({ 'net.core.somaxconn': '1024' });
    expect(h.Dns).toEqual(['127.0.0.53']);
    expect(h.GroupAdd).toEqual(['1234']);
    expect(h.Devices).toEqual([
      { PathOnHost: '/dev/null', PathInContainer: '/dev/xnull', CgroupPermissions: 'rw' },
    ]);
    expect(h.Privileged).toBe(false);
    expect(c.Config.Hostname).toBe('web-1');
    expect(c.Config.Domainname).toBe('shop.internal');
    expect(c.Config.OpenStdin).toBe(true);
    expect(c.Config.Tty).toBe(false);
    expect(c.Platform).toBe('linux');
    expect(Object.keys(c.Config.ExposedPorts ?? {})).toContain('8000/tcp');
    // env_file values reach the container; environment: overrides the file, as in Compose.
    expect(c.Config.Env).toEqual(
      expect.arrayContaining([
        'LOG_LEVEL=info',
        'GREETING=hello world',
        `API_TOKEN=${SECRET_V1}`,
        'FROM_SPEC=spec-wins',
      ]),
    );
    // The secret from the env_file is in no label (the definition keeps a hash of it).
    expect(JSON.stringify(c.Config.Labels)).not.toContain(SECRET_V1);

    // The settings are live in the container, not just recorded.
    const root = await execIn(name, ['sh', '-c', 'touch /probe 2>&1; echo rc=$?']);
    expect(root.stdout.toString()).toMatch(/Read-only file system[\s\S]*rc=1/);
    const limits = await execIn(name, [
      'sh',
      '-c',
      'grep "open files" /proc/1/limits; df -k /dev/shm | tail -1; grep legacy /etc/hosts; hostname',
    ]);
    const text = limits.stdout.toString();
    expect(text).toMatch(/Max open files\s+1000\s+2000\s/);
    expect(text).toMatch(/\s131072\s/);
    expect(text).toContain('10.1.2.3\tlegacy.example');
    expect(text).toContain('web-1');
  });

  it('plan --detailed-exitcode exits 0 afterwards: no perpetual diff', async () => {
    const plan = await cli(['plan', '--deploy-id', 'd1', '--detailed-exitcode', '--json']);
    expect(plan.code, output(plan)).toBe(0);
    const json = JSON.parse(plan.stdout) as { actions: { kind: string }[] };
    expect(new Set(json.actions.map((a) => a.kind))).toEqual(new Set(['noop']));
  });

  it('an edit of the env_file content is a replace of that service, the secret never printed', async () => {
    const before = (await inspect()).Id;
    await writeFile(join(dirname(specPath), '.env.web'), envFile(SECRET_V2));

    const plan = await cli(['plan', '--deploy-id', 'd1', '--detailed-exitcode']);
    expect(plan.code, output(plan)).toBe(2);
    expect(plan.stdout).toMatch(
      new RegExp(`-/\\+ container ${name} \\(web\\): changed: environment.API_TOKEN`),
    );
    expect(plan.stdout + plan.stderr).not.toContain(SECRET_V1);
    expect(plan.stdout + plan.stderr).not.toContain(SECRET_V2);

    const run = await cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(SECRET_V2);
    const after = await inspect();
    expect(after.Id).not.toBe(before);
    expect(after.Config.Env).toContain(`API_TOKEN=${SECRET_V2}`);
    expect(after.HostConfig.Memory).toBe(256 * 1024 * 1024);

    const again = await cli(['plan', '--deploy-id', 'd1', '--detailed-exitcode']);
    expect(again.code, output(again)).toBe(0);
    expect(await readFile(join(dirname(specPath), '.env.web'), 'utf8')).toContain(SECRET_V2);
  });

  it('a changed limit is a replace naming that one field', async () => {
    const path = specPath;
    await writeFile(path, spec.replace('mem_limit: 256m', 'mem_limit: 300m'));
    const plan = await cli(['plan', '--deploy-id', 'd1', '--json']);
    expect(plan.code, output(plan)).toBe(0);
    const replace = (
      JSON.parse(plan.stdout) as { actions: { kind: string; name: string; forces_replacement: string[] }[] }
    ).actions.find((a) => a.name === name);
    expect(replace).toMatchObject({ kind: 'replace', forces_replacement: ['memLimit'] });
    await writeFile(path, spec);
  });
});

describe('profiles and extends on the real engine', () => {
  const project2 = uniqueProject('compose-prof');
  const net2 = `${project2}_net`;
  let spec2: string;
  const run2 = (args: string[], env: Record<string, string> = {}) =>
    deployctl([...args, '--file', spec2], { env });

  beforeAll(async () => {
    spec2 = await writeSpec(
      `version: 1
project: ${project2}
infra:
  networks:
    ${net2}: {}
apps:
  services:
    api:
      extends: { service: web, file: common.yml }
      environment: { ROLE: api }
    debug:
      extends: api
      profiles: [debug]
      environment: { ROLE: debug }
`,
      {
        'common.yml': `services:
  web:
    image: ${APP}:v1
    networks: [${net2}]
    mem_limit: 96m
    environment: { ROLE: base, FROM_BASE: "yes" }
    healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 30 }
`,
      },
    );
  });

  afterAll(async () => {
    await cleanupProject(project2);
  });

  it('a service in an unselected profile is not deployed; --profile deploys it; extends carries the base keys', async () => {
    const first = await run2(['apply', '-y', '--deploy-id', 'd1']);
    expect(first.code, output(first)).toBe(0);
    const api = await docker.getContainer(`${project2}_api_d1`).inspect();
    expect(api.HostConfig.Memory).toBe(96 * 1024 * 1024);
    expect(api.Config.Env).toEqual(expect.arrayContaining(['ROLE=api', 'FROM_BASE=yes']));
    const missing = await docker
      .getContainer(`${project2}_debug_d1`)
      .inspect()
      .then(
        () => false,
        () => true,
      );
    expect(missing).toBe(true);

    const withProfile = await run2(['apply', '-y', '--deploy-id', 'd1', '--profile', 'debug']);
    expect(withProfile.code, output(withProfile)).toBe(0);
    const debug = await docker.getContainer(`${project2}_debug_d1`).inspect();
    expect(debug.State.Running).toBe(true);
    expect(debug.HostConfig.Memory).toBe(96 * 1024 * 1024);
    expect(debug.Config.Env).toEqual(expect.arrayContaining(['ROLE=debug', 'FROM_BASE=yes']));
    // The api container was not touched by selecting the profile.
    expect((await docker.getContainer(`${project2}_api_d1`).inspect()).Id).toBe(api.Id);

    const plan = await run2(['plan', '--deploy-id', 'd1', '--detailed-exitcode'], {
      DEPLOYCTL_PROFILES: 'debug',
    });
    expect(plan.code, output(plan)).toBe(0);
  });
});

describe('file-based secrets and configs on the real engine', () => {
  const project3 = uniqueProject('compose-sec');
  const net3 = `${project3}_net`;
  const PASSWORD = 'pw-e2e-9d41c7aa';
  let spec3: string;
  const run3 = (args: string[]) => deployctl([...args, '--file', spec3]);

  beforeAll(async () => {
    spec3 = await writeSpec(
      `version: 1
project: ${project3}
secrets:
  db_password: { file: ./db_password.txt }
configs:
  app_conf: { file: ./app.conf }
infra:
  networks:
    ${net3}: {}
apps:
  services:
    api:
      image: ${APP}:v1
      networks: [${net3}]
      secrets: [db_password]
      configs: [{ source: app_conf, target: /etc/app.conf }]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: 30 }
`,
      { 'db_password.txt': PASSWORD, 'app.conf': 'mode=prod\n' },
    );
  });

  afterAll(async () => {
    await cleanupProject(project3);
  });

  it('mounts them read-only where Compose does; the content is never in labels or plan; an edit replaces', async () => {
    const first = await run3(['apply', '-y', '--deploy-id', 'd1']);
    expect(first.code, output(first)).toBe(0);
    const name3 = `${project3}_api_d1`;
    const c = await docker.getContainer(name3).inspect();
    const secret = c.Mounts.find((m) => m.Destination === '/run/secrets/db_password');
    expect(secret).toMatchObject({ Type: 'bind', RW: false });
    expect(c.Mounts.find((m) => m.Destination === '/etc/app.conf')).toMatchObject({
      Type: 'bind',
      RW: false,
    });
    const read = await execIn(name3, ['sh', '-c', 'cat /run/secrets/db_password; echo; cat /etc/app.conf']);
    expect(read.stdout.toString()).toBe(`${PASSWORD}\nmode=prod\n`);
    expect(JSON.stringify(c.Config.Labels)).not.toContain(PASSWORD);

    const same = await run3(['plan', '--deploy-id', 'd1', '--detailed-exitcode']);
    expect(same.code, output(same)).toBe(0);

    await writeFile(join(dirname(spec3), 'db_password.txt'), 'pw-e2e-changed-51ab');
    const plan = await run3(['plan', '--deploy-id', 'd1', '--detailed-exitcode']);
    expect(plan.code, output(plan)).toBe(2);
    expect(plan.stdout).toContain('mountedFiles');
    expect(plan.stdout + plan.stderr).not.toContain('pw-e2e-changed-51ab');
    expect(plan.stdout + plan.stderr).not.toContain(PASSWORD);
  });
});
