/**
 * The crash-injection harness: runs a deployctl command, kills it with SIGKILL at a chosen
 * point (a progress line in CI mode, a condition on the engine or disk, or a delay drawn from
 * a seeded PRNG), then runs the SAME command again with no manual step in between and checks
 * that the re-run converged (crash-state.ts). Every failure is reported with its case and step;
 * nothing here repairs what the killed run left.
 */
import type { ChildProcess } from 'node:child_process';
import type { CliOptions, CliRun } from './cli.js';
import { checkConverged, snapshot, type CrashSubject, type EndState, type Snapshot } from './crash-state.js';

export type { CrashSubject } from './crash-state.js';

/** When to pull the trigger. `step` names the point in the summary. */
export type KillPoint =
  | { step: string; line: RegExp }
  | { step: string; probe: () => Promise<boolean> }
  | { step: string; delayMs: number };

/** A progress line of CI mode: `[STARTED] [hh:mm:ss] <title>` when a step starts. */
export const stepStarted = (title: string): KillPoint => ({
  step: `start of "${title}"`,
  line: new RegExp(`^\\[STARTED\\] \\S+ ${escape(title)}`, 'm'),
});
/** `[COMPLETED] [hh:mm:ss] <title>...` when a step ends. */
export const stepCompleted = (title: string): KillPoint => ({
  step: `end of "${title}"`,
  line: new RegExp(`^\\[COMPLETED\\] \\S+ ${escape(title)}`, 'm'),
});
/** `[OUTPUT] [hh:mm:ss] <text>...`: a step's detail line, e.g. `waiting for shop_backend_d2`. */
export const stepOutput = (text: string): KillPoint => ({
  step: `"${text}"`,
  line: new RegExp(`^\\[OUTPUT\\] \\S+ ${escape(text)}(?=\\s|$)`, 'm'),
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface CrashCase {
  /** A short name, e.g. `apply d3`. */
  name: string;
  args: string[];
  env?: Record<string, string>;
  kill: KillPoint;
  /** What an uninterrupted run of the command ends with; the re-run must end the same way. */
  expect: { exit: number; error?: string } & Omit<EndState, 'serving'> & {
      /** The generation that must serve at the end; default: the one serving before. */
      serving?: string;
      /** `plan --detailed-exitcode` must exit 0 with these extra args/env (default: `--deploy-id <serving>`, the case's env). */
      plan?: { args?: string[]; env?: Record<string, string> };
    };
  /**
   * What the trigger does; default SIGKILL the CLI. A daemon test kills the engine instead,
   * and returns once the engine answers again.
   */
  onKill?: (child: ChildProcess) => Promise<void>;
}

export interface CaseResult {
  name: string;
  step: string;
  /** The trigger fired before the first run ended on its own. */
  killed: boolean;
  failures: string[];
  /** Both runs' output, for a failing case's message. */
  detail: string;
}

/** How the harness starts the CLI for a subject: `deployctl ARGS -f SPEC`, CI mode. */
export type StartCli = (args: string[], opts?: CliOptions) => { child: ChildProcess; done: Promise<CliRun> };

const RERUN_TIMEOUT_MS = 150_000;

/** Runs one case: first run, kill at the point, same command again, convergence checks. */
export async function runCrashCase(s: CrashSubject, start: StartCli, c: CrashCase): Promise<CaseResult> {
  const before: Snapshot = await snapshot(s);
  const serving = c.expect.serving ?? before.serving[0] ?? '(none)';
  const first = start(c.args, { env: c.env });
  const fired = armKill(first.child, c, first.done);
  const firstRun = await first.done;
  const killed = await fired;
  const failures: string[] = [];
  if (!killed && !('delayMs' in c.kill))
    failures.push(`kill point never reached: the first run ended with exit ${firstRun.code} first`);

  const again = start(c.args, { env: c.env });
  const timer = setTimeout(() => again.child.kill('SIGKILL'), RERUN_TIMEOUT_MS);
  const rerun = await again.done.finally(() => clearTimeout(timer));
  if (rerun.code !== c.expect.exit)
    failures.push(
      `re-run exit ${rerun.code ?? 'killed (hung)'}, expected ${c.expect.exit}: ${errorLine(rerun)}`,
    );
  else if (c.expect.error && !rerun.stderr.includes(`Error [${c.expect.error}]`))
    failures.push(`re-run failed differently from an uninterrupted run: ${errorLine(rerun)}`);

  const planArgs = c.expect.plan?.args ?? ['--deploy-id', serving];
  const plan = await start(['plan', '--detailed-exitcode', ...planArgs], {
    env: c.expect.plan?.env ?? c.env,
  }).done;
  if (plan.code !== 0) failures.push(`plan --detailed-exitcode exit ${plan.code}: ${planSummary(plan)}`);
  failures.push(...(await checkConverged(s, before, { ...c.expect, serving })));
  const detail = [
    `--- first run (${killed ? 'killed' : 'not killed'}), exit ${firstRun.code}\n${tail(firstRun.stderr)}`,
    `--- re-run, exit ${rerun.code}\n${tail(rerun.stderr)}\n${tail(rerun.stdout)}`,
  ].join('\n');
  return { name: c.name, step: c.kill.step, killed, failures, detail };
}

/** Resolves true once the trigger fired while the run was still going, false if it ended first. */
function armKill(child: ChildProcess, c: CrashCase, done: Promise<CliRun>): Promise<boolean> {
  const kill = c.onKill ?? ((ch: ChildProcess) => Promise.resolve(void ch.kill('SIGKILL')));
  let finished = false;
  let fired: Promise<boolean> | undefined;
  const fire = (): void => {
    if (finished || fired) return;
    fired = kill(child).then(
      () => true,
      () => true,
    );
  };
  const p = c.kill;
  if ('line' in p) {
    let seen = '';
    child.stderr?.on('data', (d: Buffer | string) => {
      seen += String(d);
      if (p.line.test(seen)) fire();
    });
  } else if ('delayMs' in p) {
    const timer = setTimeout(fire, p.delayMs);
    void done.finally(() => clearTimeout(timer));
  } else {
    void (async () => {
      while (!finished && !fired) {
        if (await p.probe().catch(() => false)) return fire();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }
  return done.then(() => {
    finished = true;
    return fired ?? false;
  });
}

function errorLine(run: CliRun): string {
  const line = run.stderr.split('\n').find((l) => l.startsWith('Error ['));
  return (line ?? tail(run.stderr, 2)).slice(0, 400);
}

function planSummary(run: CliRun): string {
  const lines = run.stdout.split('\n').filter((l) => /^\s+(\+|-|~|■|-\/\+|<=)\s/.test(l) || /^Plan:/.test(l));
  return (lines.join('; ') || errorLine(run)).slice(0, 600);
}

function tail(text: string, n = 25): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** `crash harness: N cases tried, M converged` and one line per failing case with its step. */
export function summarize(title: string, results: CaseResult[]): string {
  const bad = results.filter((r) => r.failures.length > 0);
  const notKilled = results.filter((r) => !r.killed).length;
  const lines = [
    `crash harness (${title}): ${results.length} cases tried, ${results.length - bad.length} converged` +
      (notKilled ? ` (${notKilled} ended before the kill point)` : ''),
    ...bad.map((r) => `  FAIL ${r.name} killed at ${r.step}: ${r.failures.join('; ')}`),
  ];
  return lines.join('\n');
}

/** mulberry32: a small seeded PRNG, so a sweep's kill delays can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
