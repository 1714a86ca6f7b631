/**
 * The behaviour every Engine must show, written once and run against both the dockerode
 * adapter on the real engine (test/e2e/engine-contract.test.ts) and the in-memory FakeEngine
 * (test/unit/engine/fake-engine.test.ts), so the fake cannot silently drift from reality.
 * Self-contained on purpose: unit tests import it, so it must not touch Docker itself.
 */
import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../../src/engine/engine-error.js';
import type { ContainerDefinition, Engine, EngineErrorKind } from '../../../src/engine/port.js';

export interface ContractTarget {
  engine: Engine;
  /** A local image whose default command keeps running and stops promptly on SIGTERM. */
  image: string;
  /** Unique per run; everything created is labelled with it. */
  project: string;
}

async function failure(p: Promise<unknown>): Promise<{ kind: EngineErrorKind; message: string }> {
  const err = await p.then(
    () => expect.unreachable('expected the call to fail'),
    (e: unknown) => e,
  );
  if (!isEngineError(err)) throw err;
  return { kind: err.kind, message: err.message };
}

export function describeEngineContract(label: string, target: () => ContractTarget): void {
  describe(`Engine contract: ${label}`, () => {
    const def = (name: string, extra: Partial<ContainerDefinition> = {}): ContainerDefinition => {
      const { project, image } = target();
      const labels = { 'deployctl.project': project, 'deployctl-e2e': project };
      return {
        name: `${project}_${name}`,
        image,
        env: {},
        labels,
        ports: [],
        mounts: [],
        networks: [],
        ...extra,
      };
    };

    it('creates with a unique name; a second create of the name is a conflict', async () => {
      const { engine, project } = target();
      const id = await engine.createContainer(def('unique'));
      expect(await engine.inspectContainer(id)).toMatchObject({
        id,
        name: `${project}_unique`,
        state: 'created',
        restartCount: 0,
      });
      expect((await failure(engine.createContainer(def('unique')))).kind).toBe('conflict');
    });

    it('starts, tolerates a second start, stops, and treats stopping a stopped container as a no-op', async () => {
      const { engine } = target();
      const id = await engine.createContainer(def('cycle'));
      await engine.stopContainer(id, 5000); // never started: nothing to stop
      expect((await engine.inspectContainer(id))?.state).toBe('created');
      await engine.startContainer(id);
      await engine.startContainer(id);
      expect((await engine.inspectContainer(id))?.state).toBe('running');
      await engine.stopContainer(id, 5000);
      await engine.stopContainer(id, 5000);
      const detail = await engine.inspectContainer(id);
      expect(detail?.state).toBe('exited');
      expect(detail?.exitCode).toBe(0);
      expect(detail?.health).toBeUndefined();
    });

    it('refuses to remove a running container without force; removes it with force; a missing one is not_found', async () => {
      const { engine, project } = target();
      const id = await engine.createContainer(def('remove'));
      await engine.startContainer(id);
      expect((await failure(engine.removeContainer(id))).kind).toBe('conflict');
      await engine.removeContainer(id, { force: true });
      expect(await engine.inspectContainer(id)).toBeUndefined();
      expect((await failure(engine.removeContainer(id))).kind).toBe('not_found');
      expect((await failure(engine.startContainer(`${project}_never_was`))).kind).toBe('not_found');
      expect((await failure(engine.stopContainer(`${project}_never_was`, 1000))).kind).toBe('not_found');
    });

    it('renames; renaming onto a taken name is a conflict', async () => {
      const { engine, project } = target();
      const a = await engine.createContainer(def('rename_a'));
      await engine.createContainer(def('rename_b'));
      await engine.renameContainer(a, `${project}_rename_c`);
      expect((await engine.inspectContainer(`${project}_rename_c`))?.id).toBe(a);
      expect(await engine.inspectContainer(`${project}_rename_a`)).toBeUndefined();
      expect((await failure(engine.renameContainer(a, `${project}_rename_b`))).kind).toBe('conflict');
    });

    it('never removes a named volume with its container', async () => {
      const { engine, project } = target();
      const volume = `${project}_keep`;
      await engine.createVolume({
        name: volume,
        labels: { 'deployctl.project': project, 'deployctl-e2e': project },
      });
      const id = await engine.createContainer(
        def('with_volume', {
          mounts: [{ type: 'volume', source: volume, target: '/data', readOnly: false }],
        }),
      );
      expect((await engine.inspectContainer(id))?.volumeNames).toContain(volume);
      await engine.removeContainer(id, { force: true, removeAnonymousVolumes: true });
      expect((await engine.listVolumes()).map((v) => v.name)).toContain(volume);
    });

    it('lists by project label or name glob, without the leading slash', async () => {
      const { engine, project } = target();
      const mine = await engine.createContainer(def('listed'));
      const legacy = await engine.createContainer(
        def('legacy_persistent', { labels: { 'deployctl-e2e': project } }),
      );
      const other = await engine.createContainer(def('unrelated', { labels: { 'deployctl-e2e': project } }));
      const list = await engine.listContainers({ project, nameGlobs: [`${project}_*_persistent`] });
      const ids = list.map((c) => c.id);
      expect(ids).toEqual(expect.arrayContaining([mine, legacy]));
      expect(ids).not.toContain(other);
      expect(list.find((c) => c.id === legacy)?.name).toBe(`${project}_legacy_persistent`);
      expect(await engine.listContainers({})).toEqual([]);
    });

    it('lists the containers that mount a volume, whatever their name or labels', async () => {
      const { engine, project } = target();
      const volume = `${project}_shared`;
      await engine.createVolume({
        name: volume,
        labels: { 'deployctl.project': project, 'deployctl-e2e': project },
      });
      const mount = { type: 'volume', source: volume, target: '/data', readOnly: false } as const;
      const user = await engine.createContainer(
        def('volume_user', { labels: { 'deployctl-e2e': project }, mounts: [mount] }),
      );
      const bystander = await engine.createContainer(
        def('no_volume', { labels: { 'deployctl-e2e': project } }),
      );
      const ids = (await engine.listContainers({ volumes: [volume] })).map((c) => c.id);
      expect(ids).toContain(user);
      expect(ids).not.toContain(bystander);
    });

    it('runs exec only in a running container', async () => {
      const { engine, project } = target();
      const id = await engine.createContainer(def('not_running'));
      expect((await failure(engine.exec(id, ['true']))).kind).toBe('conflict');
      expect((await failure(engine.exec(`${project}_nowhere`, ['true']))).kind).toBe('not_found');
    });

    it('creates a network once however often asked, and tolerates an existing volume', async () => {
      const { engine, project } = target();
      const labels = { 'deployctl.project': project, 'deployctl-e2e': project };
      await engine.createNetwork({ name: `${project}_net`, labels });
      await engine.createNetwork({ name: `${project}_net`, labels });
      expect((await engine.listNetworks()).filter((n) => n.name === `${project}_net`)).toHaveLength(1);
      await engine.createVolume({ name: `${project}_twice`, labels });
      await engine.createVolume({ name: `${project}_twice`, labels });
      expect((await engine.listVolumes()).filter((v) => v.name === `${project}_twice`)).toHaveLength(1);
    });

    it('answers for images: present, absent, and a pull that cannot succeed', async () => {
      const { engine, image } = target();
      expect((await engine.listImages([image])).length).toBe(1);
      expect((await engine.inspectImage(image))?.repoTags.length).toBeGreaterThan(0);
      expect(await engine.inspectImage(`${image}-absent`)).toBeUndefined();
      expect(await engine.listImages([`${image}-absent`])).toEqual([]);
      // A loopback registry where nothing listens: fails without leaving this machine.
      expect((await failure(engine.pullImage('127.0.0.1:1/deployctl/absent:1'))).kind).toBe('pull_failed');
    });

    it('provides the marker image for never-started lock containers', async () => {
      const { engine, project } = target();
      const ref = await engine.ensureMarkerImage();
      expect(ref).toBe('deployctl/marker:1');
      const lock = def('lock', { image: ref, command: ['lock'] });
      const id = await engine.createContainer({ ...lock, name: `${project}.deployctl-lock` });
      expect((await engine.inspectContainer(`${project}.deployctl-lock`))?.id).toBe(id);
      expect(
        (await failure(engine.createContainer({ ...lock, name: `${project}.deployctl-lock` }))).kind,
      ).toBe('conflict');
    });

    it('keeps files in a never-started container and in the volume it mounts, across containers', async () => {
      const { engine, project } = target();
      const marker = await engine.ensureMarkerImage();
      const labels = { 'deployctl.project': project, 'deployctl-e2e': project };
      await engine.createVolume({ name: `${project}_store`, labels });
      const mount = {
        type: 'volume' as const,
        source: `${project}_store`,
        target: '/store',
        readOnly: false,
      };
      const a = await engine.createContainer(
        def('store-a', { image: marker, command: ['store'], mounts: [mount] }),
      );
      await engine.writeFiles(a, '/store/log', [
        { name: 'one.json', content: '{"n":1}' },
        { name: 'two.json', content: Buffer.from('{"n":2}') },
      ]);
      await engine.writeFiles(a, '/', [{ name: 'lease', content: '7' }]);
      await engine.writeFiles(a, '/store/log', [{ name: 'one.json', content: '{"n":11}' }]);
      const read = (await engine.readFiles(a, '/store/log')).map((f) => [f.name, f.content.toString()]);
      expect(read.sort()).toEqual([
        ['one.json', '{"n":11}'],
        ['two.json', '{"n":2}'],
      ]);
      expect((await engine.readFiles(a, '/lease')).map((f) => f.content.toString())).toEqual(['7']);
      expect(await engine.readFiles(a, '/store/absent')).toEqual([]);
      // The volume outlives the container; its own filesystem does not.
      await engine.removeContainer(a, { force: true });
      const b = await engine.createContainer(
        def('store-b', { image: marker, command: ['store'], mounts: [mount] }),
      );
      expect((await engine.readFiles(b, '/store/log')).map((f) => f.name).sort()).toEqual([
        'one.json',
        'two.json',
      ]);
      expect(await engine.readFiles(b, '/lease')).toEqual([]);
      expect((await failure(engine.readFiles(`${project}_absent`, '/store'))).kind).toBe('not_found');
    });
  });
}
