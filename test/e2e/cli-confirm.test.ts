/**
 * apply's question on a real terminal (a pty made by util-linux `script`): only "yes" applies,
 * anything else refuses, and Ctrl+C at the prompt is an interruption (exit 130) that changes
 * nothing and releases the lock.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, type Stack } from './apply-stack.js';
import { CLI } from './support/cli.js';
import { docker } from './support/engine.js';

let s: Stack;

/** Runs `deployctl apply` on a pty and types `answer` once the question shows. */
function applyOnTerminal(deployId: string, answer: string): Promise<{ code: number | null; out: string }> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    CI: undefined,
    DEPLOY_ID: undefined,
  };
  const command = `${process.execPath} ${CLI} apply --deploy-id ${deployId} -f ${s.specPath}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: s.dir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let typed = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (!typed && out.includes('Apply this plan? Only "yes" is accepted:')) {
      typed = true;
      child.stdin.write(answer);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const lockExists = (): Promise<boolean> =>
  docker
    .getContainer(`${s.project}.deployctl-lock`)
    .inspect()
    .then(
      () => true,
      () => false,
    );

beforeAll(async () => {
  s = await createStack('confirm', { appsOnly: true });
});

afterAll(async () => {
  if (s) await s.cleanup();
});

describe('the confirmation question on a terminal', () => {
  it('Ctrl+C at the prompt: exit 130, nothing changed, lock released', async () => {
    const run = await applyOnTerminal('t1', '\x03');
    expect(run.code, run.out).toBe(130);
    expect(run.out).toContain(
      'Error [INTERRUPTED]: interrupted at the confirmation question; nothing was changed.',
    );
    expect(run.out).not.toContain('INTERNAL');
    expect(await s.apps()).toEqual({});
    expect(await lockExists()).toBe(false);
  });

  it('an answer other than "yes": NOT_CONFIRMED, nothing changed', async () => {
    const run = await applyOnTerminal('t1', 'y\r');
    expect(run.code, run.out).toBe(1);
    expect(run.out).toContain('Error [NOT_CONFIRMED]');
    expect(await s.apps()).toEqual({});
  });

  it('"yes": applies, with readable progress lines', async () => {
    const run = await applyOnTerminal('t1', 'yes\r');
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('Apply complete: generation t1');
    // The pty has no width: progress falls back to one plain line per event, not a char per line.
    expect(run.out).toMatch(/New generation t1: 2 container\(s\) up and healthy/);
    expect(await s.apps()).toEqual({
      [s.app('backend', 't1')]: 'running',
      [s.app('frontend', 't1')]: 'running',
    });
  });
});
