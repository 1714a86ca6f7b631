/**
 * Runs the shipped CLI (dist/deployctl.js, which runs the bundle) as a user would: a child process with its
 * own env, stdout, stderr and exit code. e2e tests assert on those and on the engine, never on
 * internals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repo root, found upwards: this file also runs compiled into dist/ (bench/crash-sweep). */
function repoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const CLI = join(repoRoot(import.meta.dirname), 'dist/deployctl.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Written to stdin, then closed. */
  input?: string;
}

/** Starts `deployctl ARGS` without waiting: for concurrency and Ctrl+C tests. */
export function startCli(
  args: string[],
  opts: CliOptions = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    // CI mode and no colour: plain lines, no prompts, the way pipelines run it.
    env: {
      ...process.env,
      CI: 'true',
      NO_COLOR: '1',
      DEPLOY_ID: undefined,
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(opts.input ?? '');
  const done = new Promise<CliRun>((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

export function deployctl(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return startCli(args, opts).done;
}

/** A temp directory holding `deployctl.yaml` (and any extra files); returns the spec path. */
export async function writeSpec(yaml: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'deployctl-e2e-'));
  await writeFile(join(dir, 'deployctl.yaml'), yaml);
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return join(dir, 'deployctl.yaml');
}
