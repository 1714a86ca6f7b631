import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import {
  globToNameRegex,
  matchesGlob,
  parseHealthFromStatus,
  toContainerDetail,
  toContainerInfo,
} from '../../../src/engine/container-mapping.js';

describe('parseHealthFromStatus', () => {
  it.each([
    ['Up 3 minutes (healthy)', 'healthy'],
    ['Up 1 second (health: starting)', 'starting'],
    ['Up 2 hours (unhealthy)', 'unhealthy'],
    ['Up 5 minutes', undefined],
    ['Exited (0) 2 minutes ago', undefined],
    ['Created', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j -> %s', (status, expected) => {
    expect(parseHealthFromStatus(status)).toBe(expected);
  });
});

describe('globToNameRegex', () => {
  it('anchors both ends and allows the engine’s leading slash', () => {
    expect(globToNameRegex('sancho_*_persistent')).toBe('^/?sancho_.*_persistent$');
  });

  it('escapes regex metacharacters so they match literally', () => {
    const re = new RegExp(globToNameRegex('app.v1+(x)'));
    expect(re.test('/app.v1+(x)')).toBe(true);
    expect(re.test('appXv1+(x)')).toBe(false);
    expect(re.test('appv11(x)')).toBe(false);
  });

  it.each([
    ['sancho_*_persistent', 'sancho_traefik_persistent', true],
    ['sancho_*_persistent', '/sancho_db_persistent', true],
    ['sancho_*_persistent', 'sancho_traefik_persistent_old', false],
    ['sancho_*_persistent', 'old_sancho_traefik_persistent', false],
    ['exact', 'exact', true],
    ['exact', 'inexact', false],
    ['*', 'anything', true],
    ['a*b*c', 'aXXbYYc', true],
  ])('%s matches %s: %s', (glob, name, expected) => {
    expect(matchesGlob(name, glob)).toBe(expected);
  });
});

const listItem = (over: Partial<Docker.ContainerInfo>): Docker.ContainerInfo => ({
  Id: 'abc',
  Names: ['/sancho_backend_1'],
  Image: 'registry.example.com/backend:1',
  ImageID: 'sha256:111',
  Command: '',
  Created: 1_700_000_000,
  Ports: [],
  Labels: { 'deployctl.project': 'sancho' },
  State: 'running',
  Status: 'Up 3 minutes (healthy)',
  HostConfig: { NetworkMode: 'default' },
  NetworkSettings: { Networks: {} },
  Mounts: [
    {
      Type: 'volume',
      Name: 'sancho_data',
      Source: '/var/lib/docker/volumes/sancho_data/_data',
      Destination: '/data',
      Mode: 'z',
      RW: true,
      Propagation: '',
    },
    { Type: 'bind', Source: '/srv/le', Destination: '/le', Mode: '', RW: true, Propagation: 'rprivate' },
  ],
  ...over,
});

describe('toContainerInfo', () => {
  it('maps a list entry: name without slash, ms times, health, named volumes only', () => {
    expect(toContainerInfo(listItem({}))).toEqual({
      id: 'abc',
      name: 'sancho_backend_1',
      image: 'registry.example.com/backend:1',
      imageId: 'sha256:111',
      labels: { 'deployctl.project': 'sancho' },
      state: 'running',
      health: 'healthy',
      createdAt: 1_700_000_000_000,
      volumeNames: ['sancho_data'],
    });
  });

  it('uses the container’s own name, not a link alias', () => {
    expect(toContainerInfo(listItem({ Names: ['/web/db', '/sancho_db'] })).name).toBe('sancho_db');
  });

  it('has no health when not running', () => {
    const info = toContainerInfo(listItem({ State: 'exited', Status: 'Exited (1) 3 seconds ago' }));
    expect(info.state).toBe('exited');
    expect(info).not.toHaveProperty('health');
  });
});

describe('toContainerDetail', () => {
  const inspect = (state: Partial<Docker.ContainerInspectInfo['State']>): Docker.ContainerInspectInfo =>
    ({
      Id: 'abc',
      Name: '/sancho_db',
      Created: '2026-01-01T10:00:00.5Z',
      Image: 'sha256:222',
      RestartCount: 2,
      Mounts: [
        {
          Type: 'volume',
          Name: 'pgdata',
          Source: '',
          Destination: '/var/lib/postgresql/data',
          Mode: '',
          RW: true,
          Propagation: '',
        },
      ],
      Config: { Image: 'postgres:15', Labels: { a: 'b' } },
      HostConfig: { RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } },
      State: { Status: 'running', ExitCode: 0, StartedAt: '2026-01-01T10:00:01Z', ...state },
    }) as unknown as Docker.ContainerInspectInfo;

  it('maps health, the last health output, restart count and times', () => {
    const d = toContainerDetail(
      inspect({
        Health: {
          Status: 'unhealthy',
          FailingStreak: 3,
          Log: [
            { Start: '', End: '', ExitCode: 1, Output: 'first' },
            { Start: '', End: '', ExitCode: 1, Output: 'connection refused' },
          ],
        },
      }),
    );
    expect(d).toEqual({
      id: 'abc',
      name: 'sancho_db',
      image: 'postgres:15',
      imageId: 'sha256:222',
      labels: { a: 'b' },
      state: 'running',
      health: 'unhealthy',
      lastHealthOutput: 'connection refused',
      createdAt: Date.parse('2026-01-01T10:00:00.5Z'),
      startedAt: Date.parse('2026-01-01T10:00:01Z'),
      volumeNames: ['pgdata'],
      restartCount: 2,
      restartPolicy: 'unless-stopped',
    });
  });

  it('gives the exit code of an exited container and no start time for one never started', () => {
    expect(toContainerDetail(inspect({ Status: 'exited', ExitCode: 137 })).exitCode).toBe(137);
    const created = toContainerDetail(inspect({ Status: 'created', StartedAt: '0001-01-01T00:00:00Z' }));
    expect(created.startedAt).toBeUndefined();
    expect(created.exitCode).toBeUndefined();
  });
});
