/**
 * kill -9 of `apply` at each step boundary, then the same apply again with no manual step:
 * it must converge (support/crash.ts). One stack, cases in sequence, each deploying a new
 * generation from the one the case before left serving. `keep_generations: 1`, so an older
 * generation is pruned on every deploy.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, type Stack } from './apply-stack.js';
import {
  runCrashCase,
  stepOutput,
  stepStarted,
  summarize,
  type CaseResult,
  type CrashCase,
  type CrashSubject,
  type KillPoint,
} from './support/crash.js';
import { docker } from './support/engine.js';

let s: Stack;
let subject: CrashSubject;
const results: CaseResult[] = [];

beforeAll(async () => {
  s = await createStack('crashapply', { keep: 1 });
  subject = {
    project: s.project,
    docker,
    appServices: ['backend', 'frontend'],
    dirs: [s.letsencrypt],
    backupsDir: join(s.dir, 'backups'),
    sql: (q) => s.sql(q),
  };
});

afterAll(async () => {
  if (results.length > 0) console.log(summarize('apply', results));
  if (s) await s.cleanup();
});

const lockTaken: KillPoint = {
  step: 'lock taken',
  probe: async () =>
    docker
      .getContainer(`${s.project}.deployctl-lock`)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
};

/** A healthy new generation `id`, killed at `kill`; the re-run must end with `id` serving. */
function healthyCase(id: string, kill: () => KillPoint, env: Record<string, string> = {}): () => CrashCase {
  return () => ({
    name: `apply ${id}`,
    args: ['apply', '-y', '--deploy-id', id],
    env,
    kill: kill(),
    expect: { exit: 0, serving: id },
  });
}

/**
 * Runs a case and records it. A failing case may leave the project locked and half-deployed:
 * so that the NEXT case starts from a converged project and reports only its own defects, the
 * lock is removed and the command run once more after the verdict (never between the kill and
 * the re-run, which would hide the very defect the case is about).
 */
async function run(make: () => CrashCase): Promise<void> {
  const c = make();
  const r = await runCrashCase(subject, (a, o) => s.start(a, o), c);
  results.push(r);
  if (r.failures.length > 0) {
    await docker
      .getContainer(`${s.project}.deployctl-lock`)
      .remove({ force: true })
      .catch(() => undefined);
    await s.cli(c.args, { env: c.env });
  }
  expect(r.failures, `${r.name} killed at ${r.step}\n${r.detail}`).toEqual([]);
}

describe('apply killed with SIGKILL, then run again', () => {
  it('first deploy, killed while creating infrastructure', async () => {
    await run(healthyCase('k1', () => stepOutput(`create ${s.db}`)));
    // Data and a certificate file every later case must leave intact.
    await s.sql(
      "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item-' || g FROM generate_series(1, 500) g;",
    );
    await writeFile(join(s.letsencrypt, 'cert.pem'), 'certificate that must survive\n');
  });

  const boundaries: [string, string, () => KillPoint][] = [
    ['lock taken', 'k2', () => lockTaken],
    ['pre-deploy cleanup', 'k3', () => stepStarted('Pre-deploy cleanup')],
    ['pruning an old generation', 'k4', () => stepOutput(`removing ${s.app('backend', 'k2')}`)],
    ['images', 'k5', () => stepStarted('Images')],
    ['infrastructure', 'k6', () => stepStarted('Infrastructure')],
    ['creating backend', 'k7', () => stepOutput(`create ${s.app('backend', 'k7')}`)],
    ['backend started, health wait', 'k8', () => stepOutput(`waiting for ${s.app('backend', 'k8')}`)],
    ['creating frontend', 'k9', () => stepOutput(`create ${s.app('frontend', 'k9')}`)],
    ['frontend started, health wait', 'k10', () => stepOutput(`waiting for ${s.app('frontend', 'k10')}`)],
    ['retiring the previous generation', 'k11', () => stepStarted('Retire older generations')],
  ];
  for (const [where, id, kill] of boundaries) {
    it(`new healthy generation ${id}, killed at: ${where}`, () => run(healthyCase(id, kill)));
  }

  it('same deploy id with a new image (replace, renamed aside), killed after the rename', () =>
    run(healthyCase('k11', () => stepOutput(`replace ${s.app('backend', 'k11')}`), { TAG: 'v2' })));

  it('unhealthy new generation, killed during the health wait: the re-run fails like the first would, k11 keeps serving', () =>
    run(() => ({
      name: 'apply u1 (unhealthy)',
      args: ['apply', '-y', '--deploy-id', 'u1'],
      env: { TAG: 'v2', UNHEALTHY: '1', RETRIES: '3' },
      kill: stepOutput(`waiting for ${s.app('backend', 'u1')}`),
      expect: {
        exit: 1,
        error: 'CONTAINER_UNHEALTHY',
        serving: 'k11',
        plan: { args: ['--deploy-id', 'k11'], env: { TAG: 'v2' } },
      },
    })));
});
