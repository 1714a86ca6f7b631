/**
 * `deployctl plan` on the real engine: strictly read-only, --detailed-exitcode 0/2/1, the JSON
 * shape, stopped containers modelled as `start`, a changed app under the same deploy id as a
 * replace naming the field, infra removed from the spec still listed as protected and left
 * alone, and the data-safety findings (anonymous volume, container layer, missing external volume).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack, output, type Stack } from './apply-stack.js';
import { deployctl, writeSpec } from './support/cli.js';
import { cleanupProject, docker, uniqueProject } from './support/engine.js';

let s: Stack;
let movingTag: string;

/** Everything of the project on the engine, to compare before and after a plan. */
async function snapshot(project: string): Promise<string> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`deployctl.project=${project}`] },
  });
  const networks = await docker.listNetworks({ filters: { label: [`deployctl.project=${project}`] } });
  const volumes = (await docker.listVolumes()).Volumes ?? [];
  return JSON.stringify({
    containers: containers.map((c) => `${c.Id} ${c.Names.join(',')} ${c.State}`).sort(),
    networks: networks.map((n) => n.Name).sort(),
    volumes: volumes
      .map((v) => v.Name)
      .filter((n) => n.startsWith(project))
      .sort(),
  });
}

beforeAll(async () => {
  s = await createStack('plan');
});

afterAll(async () => {
  if (s) await s.cleanup();
  if (movingTag)
    await docker
      .getImage(`deployctl-fixture/app:${movingTag}`)
      .remove()
      .catch(() => undefined);
});

describe('plan against a project with nothing deployed', () => {
  it('is read-only: exit 0 (2 with --detailed-exitcode), and nothing appears on the engine or the disk', async () => {
    const before = await snapshot(s.project);
    const plan = await s.cli(['plan', '--deploy-id', 'd1']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(`+   network ${s.net} [protected]: does not exist: will be created`);
    expect(plan.stdout).toContain(`+   container ${s.db} (db) [protected]: does not exist: will be created`);
    expect(plan.stdout).toContain(
      `+   container ${s.app('backend', 'd1')} (backend): does not exist: will be created`,
    );
    expect(plan.stdout).toContain(
      `+   volume ${s.project}_logs [protected]: does not exist: will be created (and never removed)`,
    );
    expect(plan.stdout).toContain(
      `=   volume ${s.volume} [protected]: external volume: used as-is, never created or removed`,
    );
    expect(plan.stdout).toMatch(/^Plan: 7 to create, 0 to replace, 0 to stop, 0 to remove$/m);
    const detailed = await s.cli(['plan', '--deploy-id', 'd1', '--detailed-exitcode']);
    expect(detailed.code).toBe(2);
    expect(await snapshot(s.project)).toBe(before);
    expect(existsSync(s.letsencrypt)).toBe(false);
  });
});

describe('plan against a deployed project', () => {
  beforeAll(async () => {
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(run.code, output(run)).toBe(0);
  });

  it('same deploy id, same spec, all running: no changes, exit 0 with --detailed-exitcode, versioned JSON', async () => {
    const plan = await s.cli(['plan', '--deploy-id', 'd1', '--detailed-exitcode', '--json']);
    expect(plan.code, output(plan)).toBe(0);
    const json = JSON.parse(plan.stdout) as {
      format_version: number;
      project: string;
      deploy_id: string;
      summary: Record<string, number>;
      actions: { kind: string; reason: string }[];
    };
    expect(json).toMatchObject({ format_version: 1, project: s.project, deploy_id: 'd1' });
    expect(json.summary).toMatchObject({
      create: 0,
      start: 0,
      replace: 0,
      stop: 0,
      remove: 0,
      pull: 0,
      drift: 0,
    });
    expect(new Set(json.actions.map((a) => a.kind))).toEqual(new Set(['noop']));
  });

  it('a stopped app container is planned as a start (reason "stopped"), and apply starts the same container', async () => {
    const name = s.app('frontend', 'd1');
    const id = await s.idOf(name);
    await docker.getContainer(name).stop({ t: 5 });
    const before = await snapshot(s.project);
    const plan = await s.cli(['plan', '--deploy-id', 'd1', '--detailed-exitcode', '--json']);
    expect(plan.code).toBe(2);
    const start = (
      JSON.parse(plan.stdout) as { actions: { kind: string; name: string; reason: string }[] }
    ).actions.find((a) => a.name === name);
    expect(start).toMatchObject({ kind: 'start', reason: 'stopped' });
    expect(await snapshot(s.project)).toBe(before);

    const run = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(run.code, output(run)).toBe(0);
    expect(await s.idOf(name)).toBe(id);
    expect(await s.stateOf(name)).toBe('running');
  });

  it('a new image tag under the same deploy id is a replace that names the field; plan changes nothing', async () => {
    const before = await snapshot(s.project);
    const plan = await s.cli(['plan', '--deploy-id', 'd1'], { env: { TAG: 'v2' } });
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(
      new RegExp(
        `-/\\+ container ${s.app('backend', 'd1')} \\(backend\\): changed: image: will be recreated`,
      ),
    );
    expect(plan.stdout).toContain('image: deployctl-fixture/app:v1 → deployctl-fixture/app:v2');
    const json = await s.cli(['plan', '--deploy-id', 'd1', '--json'], { env: { TAG: 'v2' } });
    const replace = (
      JSON.parse(json.stdout) as {
        actions: { kind: string; name: string; reason: string; forces_replacement: string[] }[];
      }
    ).actions.find((a) => a.name === s.app('backend', 'd1'));
    expect(replace).toMatchObject({
      kind: 'replace',
      reason: 'image_changed',
      forces_replacement: ['image'],
    });
    expect(await snapshot(s.project)).toBe(before);
  });

  it('infra removed from the spec stays listed as protected, and apply leaves it running', async () => {
    const proxyId = await s.idOf(s.proxy);
    const full = await readFile(s.specPath, 'utf8');
    const withoutProxy = full.replace(/\n {4}proxy:\n[\s\S]*?(?=\napps:)/, '');
    expect(withoutProxy).not.toContain('proxy:');
    const edited = join(s.dir, 'without-proxy.yaml');
    await writeFile(edited, withoutProxy);

    const plan = await deployctl(['plan', '-f', edited, '--deploy-id', 'd1', '--detailed-exitcode'], {
      cwd: s.dir,
    });
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain('Protected, untouched');
    expect(plan.stdout).toContain(
      `container ${s.proxy} (proxy) [protected]: no longer in spec — protected, remove it by hand`,
    );
    const run = await deployctl(['apply', '-y', '-f', edited, '--deploy-id', 'd1'], { cwd: s.dir });
    expect(run.code, output(run)).toBe(0);
    expect(await s.idOf(s.proxy)).toBe(proxyId);
    expect(await s.stateOf(s.proxy)).toBe('running');
  });
});

describe('a tag that moved to another image', () => {
  it('is a replace ("same tag, new image id") under the same deploy id, and apply serves the new image', async () => {
    movingTag = `mv-${s.project.slice(-6)}`;
    const app = docker.getImage('deployctl-fixture/app:v1');
    await app.tag({ repo: 'deployctl-fixture/app', tag: movingTag });
    const env = { TAG: movingTag };
    const first = await s.cli(['apply', '-y', '--deploy-id', 'm1'], { env });
    expect(first.code, output(first)).toBe(0);
    expect(await s.http('backend', '/version')).toBe('v1');
    const before = await s.idOf(s.app('backend', 'm1'));

    // The same tag now names v2's image, as after a `docker pull` of a moving tag.
    await docker.getImage('deployctl-fixture/app:v2').tag({ repo: 'deployctl-fixture/app', tag: movingTag });
    const plan = await s.cli(['plan', '--deploy-id', 'm1', '--json'], { env });
    const replace = (
      JSON.parse(plan.stdout) as { actions: { kind: string; name: string; reason: string; detail: string }[] }
    ).actions.find((a) => a.name === s.app('backend', 'm1'));
    expect(replace).toMatchObject({ kind: 'replace', reason: 'image_changed' });
    expect(replace?.detail).toContain('same tag, new image id');

    const run = await s.cli(['apply', '-y', '--deploy-id', 'm1'], { env });
    expect(run.code, output(run)).toBe(0);
    expect(await s.idOf(s.app('backend', 'm1'))).not.toBe(before);
    expect(await s.http('backend', '/version')).toBe('v2');
    const again = await s.cli(['plan', '--deploy-id', 'm1', '--detailed-exitcode'], { env });
    expect(again.code, output(again)).toBe(0);
  });
});

describe('data-safety findings', () => {
  const project = uniqueProject('plansafety');
  afterAll(() => cleanupProject(project));

  it('warns about infra data on an anonymous volume or in the container layer, and blocks on a missing external volume', async () => {
    const spec = await writeSpec(`version: 1
project: ${project}
infra:
  volumes:
    ${project}_missing: { external: true }
  services:
    cache:
      container_name: ${project}_cache
      image: deployctl-fixture/app:v1
      volumes: ["/data"]
    scratch:
      container_name: ${project}_scratch
      image: deployctl-fixture/app:v1
    db:
      container_name: ${project}_db
      image: deployctl-fixture/postgres:15
      volumes: ["${project}_missing:/var/lib/postgresql/data"]
`);
    const plan = await deployctl(['plan', '-f', spec, '--json'], { cwd: dirname(spec) });
    expect(plan.code, output(plan)).toBe(1);
    const json = JSON.parse(plan.stdout) as {
      warnings: { code: string; target: string }[];
      blockers: { code: string; target: string }[];
    };
    expect(json.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'anonymous_volume', target: `${project}_cache` }),
        expect.objectContaining({ code: 'container_layer_data', target: `${project}_scratch` }),
      ]),
    );
    expect(json.blockers).toEqual([
      expect.objectContaining({ code: 'external_volume_missing', target: `${project}_missing` }),
    ]);
    expect(plan.stderr).toContain('Error [PLAN_BLOCKED]');
    const text = await deployctl(['plan', '-f', spec, '--detailed-exitcode'], { cwd: dirname(spec) });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('Warning: infra service "cache" keeps /data on an anonymous volume');
    expect(text.stdout).toContain('Warning: infra service "scratch" mounts no volume, dir or host path');
    // Read-only: the volume was not created for the user.
    const volumes = (await docker.listVolumes()).Volumes ?? [];
    expect(volumes.map((v) => v.Name)).not.toContain(`${project}_missing`);
  });
});
