/**
 * The seed's emergency: the database container is gone. restore-db recreates it from the spec
 * on the SAME external volume (labelled as apply makes it) and the data is there; with the
 * volume gone too, it refuses and says how to proceed, creating nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupProject, docker, e2eLabels } from './support/engine.js';
import { seedItems, startDbStack, type DbStack } from './db-stack.js';

let stack: DbStack;
let apps: string[];
let dump = '';
let checksum = '';

beforeAll(async () => {
  stack = await startDbStack('dbrecreate');
  await seedItems(stack, 500);
  checksum = await stack.checksum();
  const backup = await stack.cli(['backup', '--json']);
  expect(backup.code, backup.stderr).toBe(0);
  dump = (JSON.parse(backup.stdout) as { path: string }).path;
  // Not in the dump: only the original volume has it.
  await stack.sql('CREATE TABLE only_on_the_volume (x int); INSERT INTO only_on_the_volume VALUES (42);');
  apps = await stack.runningApps();
});

afterAll(async () => {
  if (stack) await cleanupProject(stack.project);
});

describe('restore-db when the database container is lost', () => {
  it('starts a stopped database container and restores', async () => {
    await docker.getContainer(stack.db).stop({ t: 5 });
    const run = await stack.cli(['restore-db', dump, '-y', '--no-safety-backup']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Database container \S+: started \(was exited\), healthy/);
    expect(await stack.checksum()).toBe(checksum);
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('recreates a container removed by hand on the same volume, labelled by deployctl, data there', async () => {
    await docker.getContainer(stack.db).remove({ force: true });
    const run = await stack.cli(['restore-db', dump, '-y']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Database container \S+: recreated from the spec on volume \S+, healthy/);
    expect(run.stdout).toContain('container      recreated from the spec on its volume');

    const info = await docker.getContainer(stack.db).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Mounts.filter((m) => m.Type === 'volume').map((m) => [m.Name, m.Destination])).toEqual([
      [stack.volume, '/var/lib/postgresql/data'],
    ]);
    expect(info.Config.Labels).toMatchObject({
      'deployctl.project': stack.project,
      'deployctl.role': 'infra',
      'deployctl.service': 'db',
    });
    expect(await stack.checksum()).toBe(checksum);
    expect(await stack.sql('SELECT x FROM only_on_the_volume')).toBe('42');
    expect(await stack.runningApps()).toEqual(apps);

    // Labelled exactly as apply makes it: a plan finds nothing to change.
    const plan = await stack.cli(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it('refuses while another running container holds the volume, creating nothing', async () => {
    await docker.getContainer(stack.db).remove({ force: true });
    const stranger = await docker.createContainer({
      name: `${stack.project}_stranger`,
      Image: 'deployctl-fixture/app:v1',
      Labels: e2eLabels(stack.project),
      HostConfig: { Binds: [`${stack.volume}:/data`] },
    });
    await stranger.start();
    try {
      const run = await stack.cli(['restore-db', dump, '-y']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`which running container ${stack.project}_stranger uses too`);
      expect(await docker.listContainers({ all: true, filters: { name: [`^/${stack.db}$`] } })).toEqual([]);
    } finally {
      await stranger.remove({ force: true });
    }
    expect(await stack.runningApps()).toEqual(apps);
  });

  it('refuses when the external volume is gone too, says how to proceed, and creates nothing', async () => {
    // Back to a running database first (the previous scenario left none), then lose it all.
    const again = await stack.cli(['restore-db', dump, '-y', '--no-safety-backup']);
    expect(again.code, again.stderr).toBe(0);
    await docker.getContainer(stack.db).remove({ force: true });
    await docker.getVolume(stack.volume).remove();
    const run = await stack.cli(['restore-db', dump, '-y']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `is gone and so is its volume ${stack.volume}: the data that lived there is gone with it`,
    );
    expect(run.stderr).toContain(
      `create the volume with \`docker volume create ${stack.volume}\`, then re-run this restore-db`,
    );
    const volumes = (await docker.listVolumes()).Volumes ?? [];
    expect(volumes.map((v) => v.Name)).not.toContain(stack.volume);
    expect(await docker.listContainers({ all: true, filters: { name: [`^/${stack.db}$`] } })).toEqual([]);
    expect(await stack.runningApps()).toEqual(apps);
  });
});
