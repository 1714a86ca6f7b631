/**
 * Runs one command and measures it from spawn to exit: wall time always, and the child's CPU
 * time (user + system) through GNU time when it is installed. CPU time barely moves when other
 * jobs load the machine, so it is the steadier figure on a busy host.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface RunResult {
  code: number;
  /** Wall time, seconds. */
  wall: number;
  /** User + system CPU seconds of the child, when GNU time is available. */
  cpu?: number;
  stdout: string;
  stderr: string;
  /** performance.now() at spawn and at exit, to place engine calls on the same clock. */
  startedAt: number;
  endedAt: number;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Exit codes that count as success (default [0]); anything else throws with the output. */
  okCodes?: number[];
}

export const hasGnuTime = (): boolean => existsSync(GNU_TIME);

export async function timedRun(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const cpuFile = join(tmpdir(), `deployctl-bench-cpu-${randomBytes(4).toString('hex')}`);
  const useTime = hasGnuTime();
  const [bin, argv] = useTime ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args]] : [cmd, args];
  const startedAt = performance.now();
  const child = spawn(bin, argv, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  const endedAt = performance.now();
  let cpu: number | undefined;
  if (useTime) {
    const text = await readFile(cpuFile, 'utf8').catch(() => '');
    await rm(cpuFile, { force: true });
    // GNU time prefixes "Command exited with non-zero status N" on its own line.
    const [user, sys] = (text.trim().split('\n').pop() ?? '').split(' ').map(Number);
    if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpu = user + sys;
  }
  const result = { code, wall: (endedAt - startedAt) / 1000, cpu, stdout, stderr, startedAt, endedAt };
  if (!(opts.okCodes ?? [0]).includes(code)) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${code}\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`,
    );
  }
  return result;
}

function tail(text: string): string {
  return text.length > 3000 ? `…${text.slice(-3000)}` : text;
}
