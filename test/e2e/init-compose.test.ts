/**
 * `deployctl init --from` on the real engine: three stacks of the Compose corpus are converted
 * by the shipped CLI, their images swapped for the local fixture images (nothing is pulled),
 * applied, and then planned again as a no-op (`plan --detailed-exitcode` exit 0) and re-applied
 * without touching a container. Run again once its volumes exist, init makes them external.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { APP, PG, output } from './apply-stack.js';
import { deployctl } from './support/cli.js';
import { cleanupProject, docker, uniqueProject } from './support/engine.js';

const CORPUS = new URL('../fixtures/compose-corpus/', import.meta.url).pathname;
const projects: string[] = [];

afterAll(async () => {
  for (const p of projects) await cleanupProject(p);
});

const FIXTURE_HEALTH = {
  test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:8000/health'],
  interval: '1s',
  retries: 30,
};

/**
 * The converted spec with fixture images: Postgres services run the fixture Postgres (their
 * healthcheck kept), every other one the fixture app with its own command and healthcheck.
 * Published ports go, so parallel tests never compete for a host port. Comments stay.
 */
function withFixtureImages(text: string): string {
  const doc = parseDocument(text);
  for (const section of ['infra', 'apps']) {
    const services = doc.getIn([section, 'services']) as { items?: { key: { value: string } }[] } | undefined;
    for (const item of services?.items ?? []) {
      const at = [section, 'services', item.key.value];
      const image = String(doc.getIn([...at, 'image']));
      const postgres = /postgres/.test(image);
      doc.setIn([...at, 'image'], postgres ? PG : `${APP}:v1`);
      doc.deleteIn([...at, 'ports']);
      if (postgres) continue;
      doc.deleteIn([...at, 'command']);
      doc.deleteIn([...at, 'entrypoint']);
      doc.setIn([...at, 'healthcheck'], doc.createNode(FIXTURE_HEALTH));
    }
  }
  return doc.toString({ lineWidth: 0 });
}

async function convertAndApply(
  stack: string,
): Promise<{ dir: string; project: string; init: Record<string, unknown> }> {
  const project = uniqueProject(`init-${stack}`);
  projects.push(project);
  const dir = mkdtempSync(join(tmpdir(), `deployctl-e2e-init-${stack}-`));
  cpSync(join(CORPUS, stack), dir, { recursive: true });
  const env = { COMPOSE_PROJECT_NAME: project };
  const init = await deployctl(['init', '--from', 'docker-compose.yml', '--json'], { cwd: dir, env });
  expect(init.code, output(init)).toBe(0);
  const report = JSON.parse(init.stdout) as Record<string, unknown>;
  expect(report.project).toBe(project);
  expect(report.validation).toEqual({ ok: true, problems: [] });
  const spec = join(dir, 'deployctl.yaml');
  writeFileSync(spec, withFixtureImages(readFileSync(spec, 'utf8')));

  const apply = await deployctl(['apply', '-y', '--deploy-id', 'd1', '--file', spec], { cwd: dir });
  expect(apply.code, output(apply)).toBe(0);
  return { dir, project, init: report };
}

async function containerIds(project: string): Promise<string[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`deployctl.project=${project}`] },
  });
  return list
    .filter((c) => c.Labels['deployctl.role'] !== 'lock')
    .map((c) => `${c.Names[0] ?? ''}@${c.Id}`)
    .sort();
}

describe('Compose corpus stacks converted by init, on the real engine', () => {
  it.each(['webapp-postgres', 'anchors-workers', 'limits'])(
    '%s applies, then plans and re-applies as a no-op',
    async (stack) => {
      const { dir, project } = await convertAndApply(stack);
      const spec = join(dir, 'deployctl.yaml');
      const before = await containerIds(project);
      expect(before.length).toBeGreaterThan(0);

      const plan = await deployctl(['plan', '--detailed-exitcode', '--file', spec], { cwd: dir });
      expect(plan.code, output(plan)).toBe(0);
      const again = await deployctl(['apply', '-y', '--file', spec], { cwd: dir });
      expect(again.code, output(again)).toBe(0);
      expect(await containerIds(project)).toEqual(before);

      const running = await docker.listContainers({ filters: { label: [`deployctl.project=${project}`] } });
      expect(running.every((c) => c.State === 'running')).toBe(true);
    },
    240_000,
  );

  it('run again once its volumes exist, init makes them external', async () => {
    const project = projects[0] ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'deployctl-e2e-init-again-'));
    cpSync(join(CORPUS, 'webapp-postgres'), dir, { recursive: true });
    const run = await deployctl(['init', '--from', 'docker-compose.yml', '--json'], {
      cwd: dir,
      env: { COMPOSE_PROJECT_NAME: project },
    });
    expect(run.code, output(run)).toBe(0);
    const report = JSON.parse(run.stdout) as { engine_checked: boolean; volumes: unknown[] };
    expect(report.engine_checked).toBe(true);
    expect(report.volumes).toEqual([
      { compose: 'pgdata', name: `${project}_pgdata`, external: true, exists: true },
      { compose: 'redisdata', name: `${project}_redisdata`, external: true, exists: true },
    ]);
    expect(readFileSync(join(dir, 'deployctl.yaml'), 'utf8')).toMatch(
      new RegExp(
        `# init: CHECK already exists on the engine[^\\n]*\\n(\\s+#[^\\n]*\\n)*\\s+${project}_pgdata:\\n\\s+external: true`,
      ),
    );

    // The same command again (as after a run killed once the file was written) converges.
    const same = await deployctl(['init', '--from', 'docker-compose.yml'], {
      cwd: dir,
      env: { COMPOSE_PROJECT_NAME: project },
    });
    expect(same.code, output(same)).toBe(0);
    expect(same.stdout).toContain('deployctl.yaml already holds this conversion of docker-compose.yml');

    // Another project name makes another spec: the existing file is not overwritten.
    const refused = await deployctl(['init', '--from', 'docker-compose.yml'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /Error \[FILE_EXISTS\]: deployctl.yaml already exists and was left untouched/,
    );
  });

  it('--help shows examples; without --from it refuses and writes nothing', async () => {
    const help = await deployctl(['init', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/\nExamples:\n {2}\S*.*deployctl init --from docker-compose.yml/);
    const dir = mkdtempSync(join(tmpdir(), 'deployctl-e2e-init-none-'));
    const run = await deployctl(['init'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Error \[BAD_ARGUMENT\]: name the Compose file to convert with --from/);
    expect(existsSync(join(dir, 'deployctl.yaml'))).toBe(false);
  });
});
