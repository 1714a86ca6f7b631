/**
 * The full crash sweep: `apply`, `backup` and `restore-db` each killed with SIGKILL after many
 * random delays (a seeded PRNG: `--seed N` replays a sweep), then run again with no manual
 * step, checked for convergence by the e2e harness (test/e2e/support/crash.ts). Prints each
 * case, then per command: cases tried, converged, and each failure with its step.
 *
 *   node dist/bench/crash-sweep.js [--cases 8] [--seed 12]
 */
import { createStack, type Stack } from '../test/e2e/apply-stack.js';
import {
  runCrashCase,
  seededRandom,
  summarize,
  type CaseResult,
  type CrashCase,
  type CrashSubject,
} from '../test/e2e/support/crash.js';
import { tableChecksums } from '../test/e2e/support/crash-state.js';
import { docker } from '../test/e2e/support/engine.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(value) ? value : fallback;
}

const CASES = flag('cases', 8);
const SEED = flag('seed', 12);
const random = seededRandom(SEED);
/** Delay windows (ms) that cover each command's whole run on this stack. */
const WINDOW = { apply: [100, 7000], backup: [20, 1500], 'restore-db': [100, 6000] } as const;

async function sweep(s: Stack): Promise<string[]> {
  const subject: CrashSubject = {
    project: s.project,
    docker,
    appServices: ['backend', 'frontend'],
    dirs: [s.letsencrypt],
    backupsDir: `${s.dir}/backups`,
    sql: (q) => s.sql(q),
  };
  const start = (args: string[], o?: Parameters<Stack['start']>[1]) => s.start(args, o);
  const first = await s.cli(['apply', '-y', '--deploy-id', 's0']);
  if (first.code !== 0) throw new Error(`the first apply failed:\n${first.stderr}`);
  await s.sql(
    "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item-' || g FROM generate_series(1, 200000) g;",
  );
  const backup = await s.cli(['backup', '--json']);
  const dump = (JSON.parse(backup.stdout) as { path: string }).path;
  const dumpTables = await tableChecksums((q) => s.sql(q));
  let live = 's0';

  const summaries: string[] = [];
  for (const command of ['apply', 'backup', 'restore-db'] as const) {
    const results: CaseResult[] = [];
    for (let i = 1; i <= CASES; i++) {
      const [lo, hi] = WINDOW[command];
      const delayMs = Math.round(lo + random() * (hi - lo));
      const id = `s${i}`;
      const c: CrashCase =
        command === 'apply'
          ? {
              name: `apply ${id}`,
              args: ['apply', '-y', '--deploy-id', id],
              kill: { step: `${delayMs} ms`, delayMs },
              expect: { exit: 0, serving: id },
            }
          : command === 'backup'
            ? {
                name: 'backup',
                args: ['backup'],
                kill: { step: `${delayMs} ms`, delayMs },
                expect: { exit: 0, serving: live },
              }
            : {
                name: 'restore-db',
                args: ['restore-db', dump, '-y'],
                kill: { step: `${delayMs} ms`, delayMs },
                expect: { exit: 0, serving: live, tables: dumpTables },
              };
      if (command === 'restore-db') await s.sql("UPDATE items SET name = 'changed' WHERE id < 100;");
      const r = await runCrashCase(subject, start, c);
      results.push(r);
      process.stderr.write(
        `crash-sweep: ${r.name} killed at ${r.step}${r.killed ? '' : ' (ended first)'}: ${r.failures.length ? `FAIL ${r.failures.join('; ')}` : 'converged'}\n`,
      );
      if (command === 'apply') live = id;
      if (r.failures.length > 0) await reset(s, c, live);
    }
    summaries.push(summarize(`${command}, seed ${SEED}`, results));
  }
  return summaries;
}

/** After a failing case's verdict only: unlock, run it again, put the live generation back. */
async function reset(s: Stack, c: CrashCase, live: string): Promise<void> {
  await docker
    .getContainer(`${s.project}.deployctl-lock`)
    .remove({ force: true })
    .catch(() => undefined);
  await s.cli(c.args, { env: c.env });
  await s.cli(['apply', '-y', '--deploy-id', live]);
}

const stack = await createStack('sweep', { keep: 1 });
try {
  const summaries = await sweep(stack);
  process.stdout.write(`${summaries.join('\n')}\n`);
} finally {
  await stack.cleanup();
}
