/**
 * What a user sees when things are wrong, through the built CLI: an engine that is not there,
 * spec problems located as file:line:col, never a stack trace (unless DEPLOYCTL_DEBUG=1), never
 * a secret in plan output or a saved plan, and an example in every command's --help.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, output, type Stack } from './apply-stack.js';
import { deployctl, writeSpec } from './support/cli.js';

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

const VALID = `version: 1
project: clierrors
apps:
  services:
    web:
      image: deployctl-fixture/app:v1
`;

async function validate(yaml: string, extra: string[] = [], env: Record<string, string> = {}) {
  const spec = await writeSpec(yaml);
  const run = await deployctl(['validate', '-f', 'deployctl.yaml', ...extra], { cwd: dirname(spec), env });
  return run;
}

describe('an engine that cannot be reached', () => {
  // ssh:// goes through ssh2, which deployctl loads only when an ssh endpoint is used.
  for (const endpoint of ['tcp://127.0.0.1:1', 'unix:///nonexistent.sock', 'ssh://nobody@127.0.0.1:1']) {
    it(`DOCKER_HOST=${endpoint}: exit 1 within seconds, one paragraph naming the endpoint, no stack`, async () => {
      const spec = await writeSpec(VALID);
      const run = await deployctl(['plan', '-f', spec], { env: { DOCKER_HOST: endpoint } });
      expect(run.code, output(run)).toBe(1);
      expect(run.ms).toBeLessThan(10_000);
      expect(run.stderr).toMatch(
        new RegExp(
          `^Error \\[ENGINE_UNREACHABLE\\]: Cannot reach the Docker engine at ${endpoint.replace(/[/.]/g, '\\$&')}`,
        ),
      );
      expect(run.stderr).toContain('Nothing was changed.');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.stdout).toBe('');
    });
  }

  it('with DEPLOYCTL_DEBUG=1 the stack and its cause appear', async () => {
    const spec = await writeSpec(VALID);
    const run = await deployctl(['plan', '-f', spec], {
      env: { DOCKER_HOST: 'tcp://127.0.0.1:1', DEPLOYCTL_DEBUG: '1' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(STACK_LINE);
    expect(run.stderr).toContain('Caused by:');
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  it('--json prints the error as a JSON object on stdout', async () => {
    const spec = await writeSpec(VALID);
    const run = await deployctl(['plan', '-f', spec, '--json'], {
      env: { DOCKER_HOST: 'tcp://127.0.0.1:1' },
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'ENGINE_UNREACHABLE', exit_code: 1 } });
  });
});

describe('spec problems are located and never a stack trace', () => {
  const cases: [string, string, RegExp][] = [
    [
      'broken YAML',
      'version: 1\nproject: demo\napps:\n  services:\n    web:\n      image: app:v1\n     networks: [a]\n',
      /deployctl\.yaml:\d+:\d+: YAML syntax error: /,
    ],
    [
      'a schema violation',
      `${VALID}      restart: sometimes\n`,
      /deployctl\.yaml:7:16: apps\.services\.web\.restart must be one of "no", "always", "unless-stopped", "on-failure"/,
    ],
    [
      'an unknown key (with a suggestion)',
      `${VALID}      portz: ["8080:80"]\n`,
      /deployctl\.yaml:7:7: apps\.services\.web has unknown key "portz"; did you mean "ports"\?/,
    ],
    [
      'an infra service without container_name',
      'version: 1\nproject: demo\ninfra:\n  services:\n    db:\n      image: deployctl-fixture/postgres:15\n      volumes: ["/srv/pg:/var/lib/postgresql/data"]\n',
      /deployctl\.yaml:5:5: infra\.services\.db has no container_name/,
    ],
    [
      'a dangling network reference',
      `${VALID}      networks: [ghost_net]\n`,
      /deployctl\.yaml:7:18: apps\.services\.web\.networks\[0\] refers to undefined network "ghost_net"/,
    ],
    [
      'a depends_on cycle',
      'version: 1\nproject: demo\napps:\n  services:\n    a:\n      image: app:v1\n      depends_on: [b]\n    b:\n      image: app:v1\n      depends_on: [a]\n',
      /deployctl\.yaml:7:20: apps\.services\.a\.depends_on\[0\] forms a dependency cycle: a -> b -> a/,
    ],
  ];
  for (const [what, yaml, expected] of cases) {
    it(`${what}: exit 1 with a file:line:col message`, async () => {
      const run = await validate(yaml);
      expect(run.code, output(run)).toBe(1);
      expect(run.stderr).toContain('Error [SPEC_INVALID]: deployctl.yaml has ');
      expect(run.stderr).toMatch(expected);
      expect(run.stderr).not.toMatch(STACK_LINE);
    });
  }

  it('a bad deploy id (flag or DEPLOY_ID): exit 1 naming the id and where it came from', async () => {
    const flag = await validate(VALID, ['--deploy-id', 'not ok!']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('deployctl.yaml: the deploy id "not ok!" (from --deploy-id) is not valid');
    const env = await validate(VALID, [], { DEPLOY_ID: '-starts-with-dash' });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain(
      'the deploy id "-starts-with-dash" (from the DEPLOY_ID environment variable) is not valid',
    );
    expect(env.stderr).not.toMatch(STACK_LINE);
  });

  it('validate --json lists the problems with file, line and col', async () => {
    const run = await validate(`${VALID}      networks: [ghost_net]\n`, ['--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual([
      expect.objectContaining({
        file: 'deployctl.yaml',
        line: 7,
        col: 18,
        path: 'apps.services.web.networks[0]',
      }),
    ]);
  });

  it('an unknown option: exit 1, one line, no stack', async () => {
    const run = await deployctl(['plan', '--no-such-flag']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error [BAD_ARGUMENT]: Unknown argument');
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

describe('secrets never reach plan output or a saved plan', () => {
  const FIRST = 'e2e-Secret-Alpha-91f3';
  const SECOND = 'e2e-Secret-Bravo-77c2';
  let s: Stack;

  beforeAll(async () => {
    s = await createStack('secrets', { appsOnly: true });
  });
  afterAll(async () => {
    if (s) await s.cleanup();
  });

  it('apply, then plan --json / --out / text after the secret changed: neither value appears, "(sensitive)" does', async () => {
    const applied = await s.cli(['apply', '-y', '--deploy-id', 's1'], { env: { DB_PASSWORD: FIRST } });
    expect(applied.code, output(applied)).toBe(0);
    const env = { DB_PASSWORD: SECOND };
    const json = await s.cli(['plan', '--deploy-id', 's1', '--json', '--out', 'plan.json'], { env });
    const text = await s.cli(['plan', '--deploy-id', 's1'], { env });
    expect(json.code, output(json)).toBe(0);
    const saved = await readFile(join(s.dir, 'plan.json'), 'utf8');
    // The changed secret makes the backend be replaced, and the change is shown masked.
    const plan = JSON.parse(json.stdout) as {
      actions: {
        name: string;
        kind: string;
        changes: { field: string; sensitive: boolean; before: string; after: string }[];
      }[];
    };
    const backend = plan.actions.find((a) => a.name === s.app('backend', 's1'));
    expect(backend?.kind).toBe('replace');
    expect(backend?.changes).toEqual([
      expect.objectContaining({
        field: 'environment.DATABASE_URL',
        sensitive: true,
        before: '(sensitive)',
        after: '(sensitive)',
      }),
    ]);
    expect(text.stdout).toContain('(sensitive)');
    for (const out of [
      applied.stdout,
      applied.stderr,
      json.stdout,
      json.stderr,
      text.stdout,
      text.stderr,
      saved,
    ]) {
      expect(out).not.toContain(FIRST);
      expect(out).not.toContain(SECOND);
    }
  });
});

describe('help', () => {
  for (const command of ['validate', 'plan', 'apply', 'unlock', 'backup', 'restore-db']) {
    it(`${command} --help shows an example`, async () => {
      const run = await deployctl([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\nExamples:\n {2}\S*.*deployctl \S/);
    });
  }
});
