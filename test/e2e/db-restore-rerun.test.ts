/**
 * `kill -9` of restore-db after it stopped the apps and before it started them again, then the
 * same restore-db again, on the real engine and Postgres: the second run must end with the
 * app generation running and healthy, and the data restored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './support/cli.js';
import { cleanupProject, docker, waitFor } from './support/engine.js';
import { seedItems, startDbStack, type DbStack } from './db-stack.js';

let stack: DbStack;
let app = '';
let dump = '';
let goodChecksum = '';

beforeAll(async () => {
  stack = await startDbStack('dbrerun');
  // Big enough that the restore takes a moment: the kill lands while the app is stopped.
  await seedItems(stack, 300_000);
  goodChecksum = await stack.checksum();
  const backup = await stack.cli(['backup', '--json']);
  expect(backup.code, backup.stderr).toBe(0);
  dump = (JSON.parse(backup.stdout) as { path: string }).path;
  [app = ''] = await stack.runningApps();
  expect(app).not.toBe('');
});

afterAll(async () => {
  if (stack) await cleanupProject(stack.project);
});

describe('restore-db run again after kill -9 while the apps were stopped', () => {
  it('restores, and the app generation runs and is healthy again', async () => {
    await stack.sql('DELETE FROM items WHERE id > 1000');
    const killed = startCli(['restore-db', dump, '-y', '--no-safety-backup', '-f', stack.specPath], {
      cwd: stack.dir,
    });
    await waitFor(
      `${app} to be stopped by restore-db`,
      async () => (await docker.getContainer(app).inspect()).State.Status === 'exited',
      60_000,
      25,
    );
    killed.child.kill('SIGKILL');
    expect((await killed.done).code).toBeNull();
    // What the kill left: the app stopped. The dead run's lock is not this test's subject.
    expect((await docker.getContainer(app).inspect()).State.Status).toBe('exited');
    await docker
      .getContainer(`${stack.project}.deployctl-lock`)
      .remove({ force: true })
      .catch(() => undefined);

    const run = await stack.cli(['restore-db', dump, '-y', '--no-safety-backup']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Restore complete');
    expect(await stack.checksum()).toBe(goodChecksum);
    const info = await docker.getContainer(app).inspect();
    expect([info.State.Status, info.State.Health?.Status]).toEqual(['running', 'healthy']);
    expect(await stack.runningApps()).toEqual([app]);
  });
});
