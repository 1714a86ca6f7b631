import { PassThrough, Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { EngineError, isEngineError } from '../../../src/engine/engine-error.js';
import type { ContainerDefinition } from '../../../src/engine/port.js';
import { describeEngineContract } from '../../e2e/support/engine-contract.js';
import { FakeEngine } from '../../support/fake-engine.js';

const APP = 'deployctl-fixture/app:v1';

// The same behaviour spec the real adapter passes in test/e2e/engine-contract.test.ts.
let contractEngine = new FakeEngine();
beforeEach(() => {
  contractEngine = new FakeEngine();
  contractEngine.addImage(APP);
});
describeEngineContract('FakeEngine', () => ({
  engine: contractEngine,
  image: APP,
  project: 'fake_contract',
}));

describe('FakeEngine knobs', () => {
  let engine: FakeEngine;
  const def = (name: string, extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
    name,
    image: APP,
    env: {},
    labels: { 'deployctl.project': 'sancho' },
    ports: [],
    mounts: [],
    networks: [],
    ...extra,
  });
  const healthcheck = { test: ['CMD', 'true'] };

  beforeEach(() => {
    engine = new FakeEngine();
    engine.addImage(APP);
  });

  it('refuses to create from an image that is not local, or on a missing network', async () => {
    await expect(engine.createContainer(def('app_a', { image: 'nope:1' }))).rejects.toMatchObject({
      kind: 'not_found',
    });
    await expect(
      engine.createContainer(def('app_a', { networks: [{ name: 'ghost', aliases: [] }] })),
    ).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('pulls only what the registry has', async () => {
    await expect(engine.pullImage('backend:2')).rejects.toMatchObject({ kind: 'pull_failed' });
    engine.addPullable('docker.io/library/backend:2', { volumes: ['/data'] });
    const lines: string[] = [];
    await engine.pullImage('backend:2', (l) => lines.push(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(await engine.inspectImage('backend:2')).toMatchObject({
      repoTags: ['backend:2'],
      volumes: ['/data'],
    });
  });

  it('walks a health sequence one inspect at a time, the last status sticking', async () => {
    engine.setHealthSequence('web', ['starting', 'starting', 'healthy']);
    const id = await engine.createContainer(def('web', { healthcheck }));
    await engine.startContainer(id);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await engine.inspectContainer(id))?.health);
    expect(seen).toEqual(['starting', 'starting', 'healthy', 'healthy']);
    expect((await engine.listContainers({ project: 'sancho' }))[0]?.health).toBe('healthy');
  });

  it('defaults to starting then healthy with a healthcheck, and no health without one', async () => {
    const a = await engine.createContainer(def('with', { healthcheck }));
    const b = await engine.createContainer(def('without'));
    await engine.startContainer(a);
    await engine.startContainer(b);
    expect((await engine.inspectContainer(a))?.health).toBe('starting');
    expect(await engine.inspectContainer(a)).toMatchObject({ health: 'healthy', lastHealthOutput: 'ok' });
    expect((await engine.inspectContainer(b))?.health).toBeUndefined();
  });

  it('unhealthy() never gets healthy and says why', async () => {
    engine.unhealthy('sick', 'wget: connection refused');
    const id = await engine.createContainer(def('sick', { healthcheck }));
    await engine.startContainer(id);
    await engine.inspectContainer(id);
    expect(await engine.inspectContainer(id)).toMatchObject({
      health: 'unhealthy',
      lastHealthOutput: 'wget: connection refused',
    });
  });

  it('failStart() lets start succeed and the process exit at once, with its logs', async () => {
    engine.failStart('crash', 3, 'boom\nfatal: no config\n');
    const id = await engine.createContainer(def('crash'));
    await engine.startContainer(id);
    expect(await engine.inspectContainer(id)).toMatchObject({ state: 'exited', exitCode: 3 });
    expect(await engine.containerLogs(id, 1)).toBe('fatal: no config\n');
  });

  it('makes anonymous volumes for undeclared VOLUME paths and removes them only when asked', async () => {
    engine.addImage('postgres:15', { volumes: ['/var/lib/postgresql/data'] });
    const a = await engine.createContainer(def('pg_a', { image: 'postgres:15' }));
    const b = await engine.createContainer(def('pg_b', { image: 'postgres:15' }));
    const anonA = engine.container(a)!.anonymousVolumes;
    const anonB = engine.container(b)!.anonymousVolumes;
    expect(anonA).toHaveLength(1);
    await engine.removeContainer(a);
    await engine.removeContainer(b, { removeAnonymousVolumes: true });
    const names = (await engine.listVolumes()).map((v) => v.name);
    expect(names).toContain(anonA[0]);
    expect(names).not.toContain(anonB[0]);
    const covered = await engine.createContainer(
      def('pg_c', {
        image: 'postgres:15',
        mounts: [{ type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data', readOnly: false }],
      }),
    );
    expect(engine.container(covered)!.anonymousVolumes).toEqual([]);
  });

  it('runs exec through the injected handler, writing and ending a given stdout stream', async () => {
    const id = await engine.createContainer(def('db'));
    await engine.startContainer(id);
    expect(await engine.exec(id, ['pg_dump'])).toMatchObject({ exitCode: 127 });
    engine.onExec(async (c, cmd, opts) => {
      let input = '';
      if (opts.stdin) for await (const chunk of opts.stdin) input += String(chunk);
      return { exitCode: 0, stdout: `${c.name}:${cmd.join(' ')}:${input}`, stderr: '' };
    });
    expect(await engine.exec('db', ['cat'], { stdin: Readable.from(['in']) })).toEqual({
      exitCode: 0,
      stdout: 'db:cat:in',
      stderr: '',
    });
    const out = new PassThrough();
    let streamed = '';
    out.on('data', (c) => (streamed += String(c)));
    const res = await engine.exec('db', ['pg_dump'], { stdout: out });
    expect(res.stdout).toBe('');
    expect(streamed).toBe('db:pg_dump:');
    expect(out.writableEnded).toBe(true);
  });

  it('records calls and injects failures', async () => {
    engine.failOn('startContainer', new EngineError('other', 'could not start container x: disk full'), {
      when: (id) => id === 'xx',
    });
    await engine.createContainer(def('xx'));
    await expect(engine.startContainer('xx')).rejects.toThrow('disk full');
    await engine.startContainer('xx'); // one-shot
    expect(engine.calls.map((c) => c.method)).toEqual([
      'createContainer',
      'startContainer',
      'startContainer',
    ]);
    expect(engine.callsOf('startContainer')).toEqual([['xx'], ['xx']]);
  });

  it('can be made unreachable', async () => {
    engine.unreachable = true;
    const err = await engine.ping().catch((e: unknown) => e);
    expect(isEngineError(err, 'unreachable')).toBe(true);
    expect(err).toMatchObject({ code: 'ENGINE_UNREACHABLE' });
  });

  it('is deterministic: same operations, same ids and times', async () => {
    const run = async (): Promise<unknown> => {
      const e = new FakeEngine();
      e.addImage(APP);
      const id = await e.createContainer(def('dd'));
      await e.startContainer(id);
      return e.inspectContainer(id);
    };
    expect(await run()).toEqual(await run());
  });
});
