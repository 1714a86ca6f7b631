/**
 * Images per pull_policy against a throwaway registry on loopback: `missing` pulls an image
 * that is not on the engine and the generation serves it; `never` with an absent image is a
 * plan blocker and apply refuses before any change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, createStack, execText, output, type Stack } from './apply-stack.js';
import { docker, waitForHealth } from './support/engine.js';
import { startRegistry, type LocalRegistry } from './support/registry.js';

let s: Stack;
let registry: LocalRegistry;
let repo: string;

const present = (ref: string): Promise<boolean> =>
  docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );

beforeAll(async () => {
  s = await createStack('pull', { appsOnly: true });
  registry = await startRegistry();
  registry.push(`${APP}:v1`, `${s.project}/app:v1`);
  registry.push(`${APP}:v2`, `${s.project}/app:v2`);
  repo = `${registry.host}/${s.project}/app`;
});

afterAll(async () => {
  if (s) await s.cleanup();
  if (registry) await registry.stop();
});

describe('pull_policy', () => {
  it('missing: an image absent from the engine is pulled from the registry, and the generation serves it', async () => {
    expect(await present(`${repo}:v1`)).toBe(false);
    const env = { APP_IMAGE: repo, TAG: 'v1' };
    const plan = await s.cli(['plan', '--deploy-id', 'p1'], { env });
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(`image ${repo}:v1`);
    expect(plan.stdout).toContain('1 to pull');

    const run = await s.cli(['apply', '-y', '--deploy-id', 'p1'], { env });
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`pulled\\s+${repo.replace(/[.]/g, '\\.')}:v1`));
    expect(await present(`${repo}:v1`)).toBe(true);
    const backend = await docker.getContainer(s.app('backend', 'p1')).inspect();
    expect(backend.Config.Image).toBe(`${repo}:v1`);
    await waitForHealth(s.app('backend', 'p1'), 'healthy', 15_000); // the engine agrees with the gate
    const version = await execText(s.app('backend', 'p1'), ['wget', '-qO-', 'http://127.0.0.1:8000/version']);
    expect(version.stdout.trim()).toBe('v1');

    // Present now: the next plan has nothing to pull.
    const again = await s.cli(['plan', '--deploy-id', 'p1', '--detailed-exitcode'], { env });
    expect(again.code, output(again)).toBe(0);
  });

  it('always: a present image is pulled again before a new generation', async () => {
    const env = { APP_IMAGE: repo, TAG: 'v1', PULL: 'always' };
    const plan = await s.cli(['plan', '--deploy-id', 'p3', '--json'], { env });
    const pull = (
      JSON.parse(plan.stdout) as { actions: { kind: string; name: string; reason: string }[] }
    ).actions.find((a) => a.kind === 'pull');
    expect(pull).toMatchObject({ name: `${repo}:v1`, reason: 'pull_always' });
    const run = await s.cli(['apply', '-y', '--deploy-id', 'p3'], { env });
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`pulled\\s+${repo.replace(/[.]/g, '\\.')}:v1`));
    expect(await s.stateOf(s.app('backend', 'p3'))).toBe('running');
  });

  it('never: an absent image is a plan blocker, and apply exits 1 before any change', async () => {
    const env = { APP_IMAGE: repo, TAG: 'v2', PULL: 'never' };
    const before = await s.apps();
    const plan = await s.cli(['plan', '--deploy-id', 'p2'], { env });
    expect(plan.code, output(plan)).toBe(1);
    expect(plan.stdout).toContain(`image ${repo}:v2 is not present locally and pull_policy is never`);
    expect(plan.stderr).toContain('Error [PLAN_BLOCKED]');

    const run = await s.cli(['apply', '-y', '--deploy-id', 'p2'], { env });
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain('Error [PLAN_BLOCKED]: apply refused before any change');
    expect(run.stderr).toContain(`image ${repo}:v2 is not present locally and pull_policy is never`);
    expect(await present(`${repo}:v2`)).toBe(false);
    expect(await s.apps()).toEqual(before);
    expect(await s.stateOf(s.app('backend', 'p3'))).toBe('running');
  });
});
