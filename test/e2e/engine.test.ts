/**
 * The dockerode adapter against the real engine. Every object carries the test's unique
 * project label and is removed by label afterwards; assertions read the engine directly
 * (dockerode, HTTP, the host filesystem), not through the adapter under test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import { isEngineError } from '../../src/engine/engine-error.js';
import type { ContainerDefinition, Engine } from '../../src/engine/port.js';
import {
  cleanupProject,
  createTestVolume,
  docker,
  e2eLabels,
  uniqueProject,
  waitForExit,
  waitForHealth,
} from './support/engine.js';

const APP_V1 = 'deployctl-fixture/app:v1';
const project = uniqueProject('engine');
const engine: Engine = connectEngine(process.env);

function appDef(name: string, extra: Partial<ContainerDefinition> = {}): ContainerDefinition {
  return {
    name: `${project}_${name}`,
    image: APP_V1,
    env: {},
    labels: e2eLabels(project),
    ports: [],
    mounts: [],
    networks: [],
    ...extra,
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('expected a rejection'),
    (err: unknown) => err,
  );
}

afterAll(async () => {
  await cleanupProject(project);
});

describe('ping', () => {
  it('answers with the endpoint and the versions the engine reports', async () => {
    const id = await engine.ping();
    const expected = await docker.version();
    expect(id).toEqual({
      endpoint: engine.endpoint,
      serverVersion: expected.Version,
      apiVersion: expected.ApiVersion,
      product: 'Docker',
    });
    expect(engine.endpoint).toBe(process.env['DOCKER_HOST'] || 'unix:///var/run/docker.sock');
  });

  it('fails fast and says so when nothing listens on a tcp port', async () => {
    const started = Date.now();
    const err = await rejection(connectEngine({ DOCKER_HOST: 'tcp://127.0.0.1:1' }).ping());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isEngineError(err, 'unreachable')).toBe(true);
    expect(err).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
    expect((err as Error).message).toContain('tcp://127.0.0.1:1');
    expect((err as Error).message).toMatch(/connection was refused.*Nothing was changed\.$/s);
  });

  it('names a missing socket and advises starting Docker or setting DOCKER_HOST', async () => {
    const started = Date.now();
    const err = await rejection(connectEngine({ DOCKER_HOST: 'unix:///nonexistent.sock' }).ping());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toMatchObject({ code: 'ENGINE_UNREACHABLE', kind: 'unreachable' });
    expect((err as Error).message).toContain('unix:///nonexistent.sock');
    expect((err as Error).message).toMatch(
      /does not exist.*Is Docker running\?.*DOCKER_HOST.*Nothing was changed\./s,
    );
  });
});

describe('containers', () => {
  const netA = `${project}_front`;
  const netB = `${project}_back`;
  const volume = `${project}_data`;
  const hostDir = mkdtempSync(join(tmpdir(), 'deployctl-e2e-bind-'));
  let apiId = '';

  beforeAll(async () => {
    await engine.createNetwork({ name: netA, labels: e2eLabels(project) });
    await engine.createNetwork({ name: netB, labels: e2eLabels(project) });
    await engine.createVolume({ name: volume, labels: e2eLabels(project) });
    apiId = await engine.createContainer(
      appDef('api_1', {
        env: { GREETING: 'hola' },
        labels: e2eLabels(project, { 'deployctl.service': 'api', 'x.custom': 'yes' }),
        ports: [{ hostIp: '127.0.0.1', containerPort: 8000, protocol: 'tcp' }],
        mounts: [
          { type: 'volume', source: volume, target: '/data', readOnly: false },
          { type: 'bind', source: hostDir, target: '/hostdir', readOnly: false },
        ],
        networks: [
          { name: netA, aliases: ['api'] },
          { name: netB, aliases: ['api-internal'] },
        ],
        healthcheck: {
          test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:8000/health'],
          intervalMs: 500,
          timeoutMs: 2000,
          retries: 20,
        },
        restart: 'no',
        stopGracePeriodMs: 10_000,
        workingDir: '/tmp',
      }),
    );
    await engine.startContainer(apiId);
  });

  afterAll(() => rmSync(hostDir, { recursive: true, force: true }));

  it('creates a container with env, labels, ports, mounts and healthcheck, and it gets healthy', async () => {
    await waitForHealth(apiId, 'healthy');
    const info = await docker.getContainer(apiId).inspect();
    expect(info.Config.Env).toContain('GREETING=hola');
    expect(info.Config.Labels).toMatchObject({ 'x.custom': 'yes', 'deployctl.project': project });
    expect(info.Config.WorkingDir).toBe('/tmp');
    expect((info.Config as { StopTimeout?: number }).StopTimeout).toBe(10);
    expect(info.Config.Healthcheck).toMatchObject({ Interval: 500_000_000, Retries: 20 });
    expect(info.HostConfig.Mounts).toEqual([
      expect.objectContaining({ Type: 'volume', Source: volume, Target: '/data' }),
      expect.objectContaining({ Type: 'bind', Source: hostDir, Target: '/hostdir' }),
    ]);
    const port = info.NetworkSettings.Ports['8000/tcp']?.[0];
    expect(port?.HostIp).toBe('127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${port?.HostPort}/version`);
    expect((await res.text()).trim()).toBe('v1');

    const detail = await engine.inspectContainer(apiId);
    expect(detail).toMatchObject({
      id: apiId,
      name: `${project}_api_1`,
      state: 'running',
      health: 'healthy',
      restartCount: 0,
    });
    expect(detail?.volumeNames).toEqual([volume]);
    expect(detail?.lastHealthOutput).toContain('ok');
    expect(detail?.startedAt).toBeGreaterThan(Date.now() - 120_000);
  });

  it('joins both networks with their aliases, resolvable from another container', async () => {
    const info = await docker.getContainer(apiId).inspect();
    expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([netA, netB].sort());
    const probeId = await engine.createContainer(
      appDef('probe_1', {
        networks: [
          { name: netB, aliases: [] },
          { name: netA, aliases: [] },
        ],
      }),
    );
    await engine.startContainer(probeId);
    const viaFront = await engine.exec(probeId, ['wget', '-qO-', 'http://api:8000/version']);
    const viaBack = await engine.exec(probeId, ['wget', '-qO-', 'http://api-internal:8000/version']);
    expect([viaFront.exitCode, viaFront.stdout.trim()]).toEqual([0, 'v1']);
    expect([viaBack.exitCode, viaBack.stdout.trim()]).toEqual([0, 'v1']);
  });

  it('writes through the bind mount to the host', async () => {
    const res = await engine.exec(apiId, ['sh', '-c', 'echo from-container > /hostdir/note.txt']);
    expect(res.exitCode).toBe(0);
    expect(readFileSync(join(hostDir, 'note.txt'), 'utf8')).toBe('from-container\n');
  });

  it('lists by project label and by name globs, in two calls, with health and volumes', async () => {
    const legacyId = (
      await docker.createContainer({
        name: `${project}_proxy_persistent`,
        Image: APP_V1,
        Labels: { 'deployctl-e2e': project },
      })
    ).id;
    const strangerId = (
      await docker.createContainer({
        name: `${project}_stranger`,
        Image: APP_V1,
        Labels: { 'deployctl-e2e': project },
      })
    ).id;
    const dotted = (
      await docker.createContainer({
        name: `${project}xlock`,
        Image: APP_V1,
        Labels: { 'deployctl-e2e': project },
      })
    ).id;

    const list = await engine.listContainers({
      project,
      nameGlobs: [`${project}_*_persistent`, `${project}.lock`],
    });
    const ids = list.map((c) => c.id);
    expect(ids).toContain(apiId);
    expect(ids).toContain(legacyId);
    expect(ids).not.toContain(strangerId);
    expect(ids).not.toContain(dotted);
    expect(new Set(ids).size).toBe(ids.length);

    const api = list.find((c) => c.id === apiId);
    expect(api).toMatchObject({
      name: `${project}_api_1`,
      image: APP_V1,
      state: 'running',
      health: 'healthy',
      volumeNames: [volume],
    });
    expect(api?.createdAt).toBeGreaterThan(Date.now() - 600_000);
    expect(list.find((c) => c.id === legacyId)).toMatchObject({
      name: `${project}_proxy_persistent`,
      state: 'created',
    });
    expect(list.find((c) => c.id === legacyId)?.health).toBeUndefined();

    const onlyGlob = await engine.listContainers({ nameGlobs: [`${project}_stranger`] });
    expect(onlyGlob.map((c) => c.id)).toEqual([strangerId]);
  });

  it('fails with kind conflict on a duplicate name', async () => {
    const err = await rejection(engine.createContainer(appDef('api_1')));
    expect(isEngineError(err, 'conflict')).toBe(true);
    expect((err as Error).message).toContain(`could not create container ${project}_api_1`);
  });

  it('refuses to remove a running container without force', async () => {
    const err = await rejection(engine.removeContainer(apiId));
    expect(isEngineError(err, 'conflict')).toBe(true);
    expect((err as Error).message).toContain(`remove container ${project}_api_1`);
  });

  it('stops with a grace period promptly when the process handles SIGTERM; stopping again is a no-op', async () => {
    const started = Date.now();
    await engine.stopContainer(apiId, 10_000);
    expect(Date.now() - started).toBeLessThan(5000);
    await engine.stopContainer(apiId, 10_000);
    const detail = await engine.inspectContainer(apiId);
    expect(detail).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(detail?.health).toBeUndefined();
  });

  it('changes a restart policy only when it differs: an already-right one costs no update', async () => {
    const id = await engine.createContainer(appDef('policy', { init: true }));
    await engine.startContainer(id);
    const since = Math.floor(Date.now() / 1000) - 1;
    await engine.setRestartPolicy(id, 'no'); // created with the engine's default, no
    await engine.setRestartPolicy(id, 'unless-stopped');
    await engine.setRestartPolicy(id, 'unless-stopped');
    const until = Math.floor(Date.now() / 1000) + 1;
    const stream = await docker.getEvents({
      since,
      until,
      filters: { container: [id], event: ['update'] },
    });
    const text = await new Promise<string>((resolve, reject) => {
      let out = '';
      stream.on('data', (d: Buffer) => (out += d.toString()));
      stream.on('end', () => resolve(out));
      stream.on('error', reject);
    });
    // The engine's own record: one update, for the one change.
    expect(text.trim().split('\n').filter(Boolean)).toHaveLength(1);
    expect((await docker.getContainer(id).inspect()).HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    await engine.removeContainer(id, { force: true });
  });

  it('renames a container', async () => {
    await engine.renameContainer(apiId, `${project}_api_aside`);
    expect((await engine.inspectContainer(`${project}_api_aside`))?.id).toBe(apiId);
    expect(await engine.inspectContainer(`${project}_api_1`)).toBeUndefined();
  });

  it('removes a container (even with removeAnonymousVolumes) but never its named volume or the files in it', async () => {
    const writer = await engine.createContainer(
      appDef('writer_1', { mounts: [{ type: 'volume', source: volume, target: '/data', readOnly: false }] }),
    );
    await engine.startContainer(writer);
    expect((await engine.exec(writer, ['sh', '-c', 'echo kept > /data/keep.txt'])).exitCode).toBe(0);
    await engine.removeContainer(writer, { force: true, removeAnonymousVolumes: true });
    await engine.removeContainer(apiId, { force: true, removeAnonymousVolumes: true });
    expect(await engine.inspectContainer(apiId)).toBeUndefined();

    expect((await engine.listVolumes()).map((v) => v.name)).toContain(volume);
    const reader = await engine.createContainer(
      appDef('reader_1', {
        command: ['cat', '/data/keep.txt'],
        mounts: [{ type: 'volume', source: volume, target: '/data', readOnly: true }],
      }),
    );
    await engine.startContainer(reader);
    expect(await waitForExit(reader)).toBe(0);
    expect((await engine.containerLogs(reader, 10)).trim()).toBe('kept');
  });

  it('maps operations on a missing container to not_found', async () => {
    const err = await rejection(engine.startContainer(`${project}_missing`));
    expect(isEngineError(err, 'not_found')).toBe(true);
    expect((err as Error).message).toContain(`could not start container ${project}_missing`);
    expect(await engine.inspectContainer(`${project}_missing`)).toBeUndefined();
  });
});

describe('logs', () => {
  it('returns stdout and stderr as text, tail lines only', async () => {
    const id = await engine.createContainer(
      appDef('logs_1', { command: ['sh', '-c', 'echo one; echo two >&2; sleep 0.2; echo three'] }),
    );
    await engine.startContainer(id);
    await waitForExit(id);
    const all = await engine.containerLogs(id, 100);
    expect(all.split('\n').filter(Boolean).sort()).toEqual(['one', 'three', 'two']);
    expect((await engine.containerLogs(id, 1)).trim()).toBe('three');
  });
});

describe('volumes, networks, images', () => {
  it('creates a network once however often it is asked', async () => {
    const name = `${project}_twice`;
    await engine.createNetwork({ name, labels: e2eLabels(project) });
    await engine.createNetwork({ name, labels: e2eLabels(project) });
    const same = (await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name);
    expect(same).toHaveLength(1);
    const listed = (await engine.listNetworks()).find((n) => n.name === name);
    expect(listed).toMatchObject({ id: same[0]?.Id, labels: e2eLabels(project), driver: 'bridge' });
  });

  it('lists volumes with labels and driver', async () => {
    const name = await createTestVolume(`${project}_listed`, project);
    expect((await engine.listVolumes()).find((v) => v.name === name)).toEqual({
      name,
      labels: e2eLabels(project),
      driver: 'local',
    });
  });

  it('lists only the images asked for, whatever spelling of the reference', async () => {
    const images = await engine.listImages([
      APP_V1,
      'docker.io/deployctl-fixture/app:v2',
      'deployctl-fixture/app:nope',
    ]);
    const tags = images.flatMap((i) => i.repoTags).sort();
    expect(tags).toEqual(['deployctl-fixture/app:v1', 'deployctl-fixture/app:v2']);
    expect(await engine.listImages([])).toEqual([]);
  });

  it('inspects an image with its declared volumes, and returns undefined for a missing one', async () => {
    const pg = await engine.inspectImage('deployctl-fixture/postgres:15');
    expect(pg?.volumes).toEqual(['/var/lib/postgresql/data']);
    expect(pg?.repoTags).toContain('deployctl-fixture/postgres:15');
    expect((await engine.inspectImage(pg!.id))?.id).toBe(pg?.id);
    expect(await engine.inspectImage('deployctl-fixture/app:does-not-exist')).toBeUndefined();
  });
});

describe('marker image', () => {
  it('imports deployctl/marker:1 without a registry and a container can be created from it', async () => {
    const ref = await engine.ensureMarkerImage();
    expect(ref).toBe('deployctl/marker:1');
    expect(await engine.ensureMarkerImage()).toBe(ref);
    expect((await docker.getImage(ref).inspect()).Size).toBeLessThan(4096);
    const id = await engine.createContainer({
      name: `${project}.deployctl-lock`,
      image: ref,
      command: ['lock'],
      env: {},
      labels: e2eLabels(project, { 'deployctl.role': 'lock' }),
      ports: [],
      mounts: [],
      networks: [],
    });
    expect((await engine.inspectContainer(`${project}.deployctl-lock`))?.state).toBe('created');
    const again = await rejection(
      engine.createContainer({
        name: `${project}.deployctl-lock`,
        image: ref,
        command: ['lock'],
        env: {},
        labels: {},
        ports: [],
        mounts: [],
        networks: [],
      }),
    );
    expect(isEngineError(again, 'conflict')).toBe(true);
    await engine.removeContainer(id, { force: true });
  });
});
