import { describe, expect, it } from 'vitest';
import { toCreateOptions } from '../../../src/engine/create-options.js';
import type { ContainerDefinition } from '../../../src/engine/port.js';

const base: ContainerDefinition = {
  name: 'sancho_backend_1',
  image: 'backend:1',
  env: {},
  labels: {},
  ports: [],
  mounts: [],
  networks: [],
};

describe('toCreateOptions', () => {
  it('maps the whole definition to the Engine API body', () => {
    const opts = toCreateOptions({
      ...base,
      command: ['serve', '--port', '8000'],
      entrypoint: ['/entrypoint.sh'],
      env: { A: '1', B: 'x=y' },
      labels: { 'deployctl.project': 'sancho' },
      ports: [
        { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 8000, protocol: 'tcp' },
        { hostPort: 8443, containerPort: 8000, protocol: 'tcp' },
        { containerPort: 53, protocol: 'udp' },
      ],
      mounts: [
        { type: 'volume', source: 'data', target: '/data', readOnly: false },
        { type: 'bind', source: '/srv/le', target: '/le', readOnly: true },
      ],
      networks: [
        { name: 'front', aliases: ['backend'] },
        { name: 'back', aliases: ['api'] },
      ],
      restart: 'unless-stopped',
      healthcheck: {
        test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:8000/health'],
        intervalMs: 2000,
        timeoutMs: 1500,
        retries: 15,
        startPeriodMs: 500,
      },
      init: true,
      user: '1000:1000',
      workingDir: '/app',
      stopSignal: 'SIGINT',
      stopGracePeriodMs: 2500,
    });
    expect(opts).toEqual({
      name: 'sancho_backend_1',
      Image: 'backend:1',
      Cmd: ['serve', '--port', '8000'],
      Entrypoint: ['/entrypoint.sh'],
      Env: ['A=1', 'B=x=y'],
      Labels: { 'deployctl.project': 'sancho' },
      ExposedPorts: { '8000/tcp': {}, '53/udp': {} },
      Healthcheck: {
        Test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:8000/health'],
        Interval: 2e9,
        Timeout: 1.5e9,
        Retries: 15,
        StartPeriod: 5e8,
      },
      User: '1000:1000',
      WorkingDir: '/app',
      StopSignal: 'SIGINT',
      StopTimeout: 3,
      HostConfig: {
        PortBindings: {
          '8000/tcp': [
            { HostIp: '127.0.0.1', HostPort: '8080' },
            { HostIp: '', HostPort: '8443' },
          ],
          '53/udp': [{ HostIp: '', HostPort: '' }],
        },
        Mounts: [
          { Type: 'volume', Source: 'data', Target: '/data', ReadOnly: false },
          { Type: 'bind', Source: '/srv/le', Target: '/le', ReadOnly: true },
        ],
        RestartPolicy: { Name: 'unless-stopped' },
        Init: true,
        NetworkMode: 'front',
      },
      // API 1.41: only the first network at create; the adapter connects the rest before start.
      NetworkingConfig: { EndpointsConfig: { front: { Aliases: ['backend'] } } },
    });
  });

  it('leaves out what the definition leaves out, so the image defaults apply', () => {
    const opts = toCreateOptions(base);
    expect(opts).toEqual({
      name: 'sancho_backend_1',
      Image: 'backend:1',
      Env: [],
      Labels: {},
      ExposedPorts: {},
      HostConfig: { PortBindings: {}, Mounts: [] },
    });
  });

  it('passes a NONE healthcheck through to disable the image’s own', () => {
    expect(toCreateOptions({ ...base, healthcheck: { test: ['NONE'] } }).Healthcheck).toEqual({
      Test: ['NONE'],
    });
  });
});

describe('toCreateOptions: Compose settings', () => {
  it('maps every setting onto HostConfig / Config as docker compose does, platform as a query field', () => {
    const opts = toCreateOptions({
      ...base,
      settings: {
        logging: { driver: 'json-file', options: { 'max-size': '10m' } },
        memLimit: 536870912,
        memReservation: 268435456,
        memswapLimit: -1,
        nanoCpus: 500_000_000,
        cpuShares: 512,
        pidsLimit: 100,
        shmSize: 134217728,
        ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
        extraHosts: ['gw:host-gateway'],
        capAdd: ['NET_ADMIN'],
        capDrop: ['MKNOD'],
        tmpfs: { '/tmp': 'size=64m' },
        readOnly: true,
        securityOpt: ['no-new-privileges:true'],
        sysctls: { 'net.core.somaxconn': '1024' },
        hostname: 'api',
        domainname: 'example.com',
        dns: ['1.1.1.1'],
        groupAdd: ['audio'],
        privileged: false,
        platform: 'linux/amd64',
        stdinOpen: true,
        tty: true,
        expose: ['3000/tcp'],
        devices: [{ pathOnHost: '/dev/zero', pathInContainer: '/dev/z', permissions: 'rwm' }],
      },
    });
    expect(opts.HostConfig).toMatchObject({
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      Memory: 536870912,
      MemoryReservation: 268435456,
      MemorySwap: -1,
      NanoCpus: 500_000_000,
      CpuShares: 512,
      PidsLimit: 100,
      ShmSize: 134217728,
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      ExtraHosts: ['gw:host-gateway'],
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['MKNOD'],
      Tmpfs: { '/tmp': 'size=64m' },
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges:true'],
      Sysctls: { 'net.core.somaxconn': '1024' },
      Dns: ['1.1.1.1'],
      GroupAdd: ['audio'],
      Privileged: false,
      Devices: [{ PathOnHost: '/dev/zero', PathInContainer: '/dev/z', CgroupPermissions: 'rwm' }],
    });
    expect(opts).toMatchObject({
      Hostname: 'api',
      Domainname: 'example.com',
      OpenStdin: true,
      Tty: true,
      ExposedPorts: { '3000/tcp': {} },
      platform: 'linux/amd64',
    });
  });

  it('sets nothing extra without settings', () => {
    const opts = toCreateOptions(base);
    expect(Object.keys(opts.HostConfig ?? {}).sort()).toEqual(['Mounts', 'PortBindings']);
    expect(opts).not.toHaveProperty('platform');
  });
});
