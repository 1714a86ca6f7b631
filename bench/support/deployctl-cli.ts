/**
 * Runs the built deployctl CLI (dist/deployctl.js, the executable users run) as a user would: a fresh node process,
 * non-interactive (CI=true), no colours, with TAG and DEPLOY_ID in its environment.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timedRun, type RunResult } from './timed-run.js';

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../deployctl.js');
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface CliCall {
  spec: string;
  tag: string;
  deployId: string;
  /** Extra environment, e.g. DOCKER_HOST pointing at the counting proxy. */
  env?: Record<string, string>;
  /** Node flags before the script, e.g. --cpu-prof. */
  nodeArgs?: string[];
  okCodes?: number[];
}

export function deployctl(args: string[], call: CliCall): Promise<RunResult> {
  return timedRun(process.execPath, [...(call.nodeArgs ?? []), CLI, ...args, '-f', call.spec], {
    env: { CI: 'true', NO_COLOR: '1', TAG: call.tag, DEPLOY_ID: call.deployId, ...call.env },
    okCodes: call.okCodes,
  });
}

/** `plan --detailed-exitcode`: exit 0 proves it was a no-op, 2 would mean changes. */
export function noopPlan(call: CliCall): Promise<RunResult> {
  return deployctl(['plan', '--detailed-exitcode'], call);
}

/** `apply -y` that must find nothing to do. */
export async function noopApply(call: CliCall): Promise<RunResult> {
  const r = await deployctl(['apply', '-y'], call);
  if (!r.stdout.includes('Nothing to do')) {
    throw new Error(`expected a no-op apply, but deployctl said:\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}
