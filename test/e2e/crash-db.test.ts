/**
 * kill -9 of `backup` and `restore-db` at a few points each, then the same command again with
 * no manual step: it must converge (support/crash.ts): no temporary dump left, data unchanged
 * (backup) or exactly the dump's (restore-db), the app generation serving, no lock.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedItems, startDbStack, type DbStack } from './db-stack.js';
import { startCli } from './support/cli.js';
import {
  runCrashCase,
  stepCompleted,
  stepStarted,
  summarize,
  type CaseResult,
  type CrashCase,
  type CrashSubject,
  type StartCli,
} from './support/crash.js';
import { tableChecksums } from './support/crash-state.js';
import { cleanupProject, docker } from './support/engine.js';

let stack: DbStack;
let subject: CrashSubject;
let start: StartCli;
const results: CaseResult[] = [];
/** A dump made by `deployctl backup` and the table checksums it holds. */
let dump = '';
let dumpTables: Record<string, string> = {};
/** The app generation `startDbStack` deployed: it must serve after every case. */
let generation = '';

beforeAll(async () => {
  stack = await startDbStack('crashdb');
  // Large enough that dumping and restoring take a moment, so a kill lands inside them.
  await seedItems(stack, 300_000);
  subject = {
    project: stack.project,
    docker,
    appServices: ['web'],
    backupsDir: stack.backups,
    sql: (q) => stack.sql(q),
  };
  start = (args, opts = {}) => startCli([...args, '-f', stack.specPath], { cwd: stack.dir, ...opts });
  const backup = await stack.cli(['backup', '--json']);
  expect(backup.code, backup.stderr).toBe(0);
  dump = (JSON.parse(backup.stdout) as { path: string }).path;
  dumpTables = await tableChecksums((q) => stack.sql(q));
  const [web] = await docker.listContainers({
    filters: { label: [`deployctl.project=${stack.project}`, 'deployctl.role=app'] },
  });
  generation = web?.Labels['deployctl.deploy-id'] ?? '';
});

afterAll(async () => {
  if (results.length > 0) console.log(summarize('backup, restore-db', results));
  if (stack) await cleanupProject(stack.project);
});

/**
 * Records a case. After a failing one (and only after its verdict) the lock is removed, the
 * command run again and the generation applied, so the next case starts from a converged
 * project and reports only its own defects.
 */
async function run(c: CrashCase): Promise<void> {
  const r = await runCrashCase(subject, start, { ...c, expect: { serving: generation, ...c.expect } });
  results.push(r);
  if (r.failures.length > 0) {
    await docker
      .getContainer(`${stack.project}.deployctl-lock`)
      .remove({ force: true })
      .catch(() => undefined);
    await stack.cli(c.args, { env: c.env });
    await stack.cli(['apply', '-y', '--deploy-id', generation]);
  }
  expect(r.failures, `${r.name} killed at ${r.step}\n${r.detail}`).toEqual([]);
}

const tempDumpWritten = {
  step: 'a temporary dump being written',
  probe: async () => (await readdir(stack.backups).catch(() => [])).some((n) => n.endsWith('.partial')),
};

describe('backup killed with SIGKILL, then run again', () => {
  const points = [() => stepStarted('Dump shop from'), () => tempDumpWritten, () => stepStarted('Retention')];
  for (const kill of points) {
    it(`killed at ${kill().step}`, () =>
      run({ name: 'backup', args: ['backup'], kill: kill(), expect: { exit: 0 } }));
  }
});

describe('restore-db killed with SIGKILL, then run again', () => {
  const points = [
    () => stepStarted('Safety backup'),
    () => stepCompleted('Stop the app generation'),
    () => stepStarted('Restore into shop'),
    () => stepStarted('Start the app generation again'),
  ];
  for (const kill of points) {
    it(`killed at ${kill().step}: the data is exactly the dump's, the apps serve again`, async () => {
      // Data changed since the dump, so the restore has something to put back.
      await stack.sql(
        "DELETE FROM items WHERE id > 250000; UPDATE items SET name = 'changed' WHERE id < 100;",
      );
      expect(await tableChecksums((q) => stack.sql(q))).not.toEqual(dumpTables);
      await run({
        name: 'restore-db',
        args: ['restore-db', dump, '-y'],
        kill: kill(),
        expect: { exit: 0, tables: dumpTables },
      });
    });
  }
});
