/**
 * Hostile input through the built CLI: one case of every corpus family (bench/support/
 * hostile-specs.ts; the full 1,000-case corpus runs in bench/hostile-input.ts) given to
 * `validate`, `plan` and `apply -y`. Each exits 1 with one located paragraph and no stack
 * trace, and nothing of the corpus's project appears on the engine.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAMILIES, hostileCorpus, type HostileCase } from '../../bench/support/hostile-specs.js';
import { output } from './apply-stack.js';
import { deployctl } from './support/cli.js';
import { cleanupProject, docker, uniqueProject } from './support/engine.js';

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;
const project = uniqueProject('hostile');
const root = mkdtempSync(join(tmpdir(), 'deployctl-e2e-hostile-'));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await cleanupProject(project);
});

function place(c: HostileCase): string {
  const dir = join(root, c.name.replace(/[^a-z0-9-]/gi, '_'));
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, 'deployctl.yaml');
  if (c.special === 'directory') mkdirSync(spec);
  else if (c.special) symlinkSync(c.special, spec);
  else writeFileSync(spec, c.bytes());
  return dir;
}

/** Every container, network and volume whose name or project label mentions the project. */
async function engineObjects(): Promise<string[]> {
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true }),
    docker.listNetworks(),
    docker.listVolumes(),
  ]);
  const mine = (name: string, labels: Record<string, string> | null | undefined) =>
    name.includes(project) || labels?.['deployctl.project'] === project;
  return [
    ...containers.filter((c) => mine(c.Names.join(','), c.Labels)).map((c) => `container ${c.Names[0]}`),
    ...networks.filter((n) => mine(n.Name, n.Labels)).map((n) => `network ${n.Name}`),
    ...(volumes.Volumes ?? []).filter((v) => mine(v.Name, v.Labels)).map((v) => `volume ${v.Name}`),
  ];
}

describe('hostile specs through validate, plan and apply', () => {
  // The first FAMILIES.length cases are one of each family.
  const corpus = hostileCorpus(FAMILIES.length, 12, project);

  it.each(corpus.map((c) => [c.name, c] as const))(
    '%s: exit 1, one located paragraph, no stack trace, engine untouched',
    async (_name, c) => {
      const dir = place(c);
      for (const args of [['validate'], ['plan'], ['apply', '-y']]) {
        const run = await deployctl([...args, '-f', 'deployctl.yaml'], {
          cwd: dir,
          env: { DEPLOY_ID: 'h1' },
        });
        const what = `${c.name} ${args[0]}\n${output(run)}`;
        expect(run.code, what).toBe(1);
        expect(run.stderr, what).toMatch(
          /^Error \[(SPEC_INVALID|SPEC_TOO_LARGE|SPEC_NOT_TEXT)\]: deployctl\.yaml /,
        );
        expect(run.stderr, what).toContain('nothing was changed');
        // One paragraph: the summary line and its issue lines, no blank line, no stack.
        expect(run.stderr.trim().split(/\n\s*\n/), what).toHaveLength(1);
        expect(run.stderr, what).toMatch(/^ {2}deployctl\.yaml(:\d+:\d+)?: /m);
        expect(run.stderr, what).not.toMatch(STACK_LINE);
      }
      expect(await engineObjects()).toEqual([]);
    },
    120_000,
  );

  it('an oversized saved plan given to apply: exit 1, PLAN_FILE_INVALID, nothing changed', async () => {
    const dir = mkdtempSync(join(root, 'plan-'));
    writeFileSync(join(dir, 'plan.json'), `{"x": "${'y'.repeat(5000)}"}`);
    const run = await deployctl(['apply', '-y', 'plan.json'], {
      cwd: dir,
      env: { DEPLOYCTL_MAX_SPEC_BYTES: '100' },
    });
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toMatch(
      /^Error \[PLAN_FILE_INVALID\]: cannot use the plan file: plan\.json: is 4\.9 KiB \(5009 bytes\), more than the 1\.6 KiB \(1600 bytes\) a plan file may have; it was not read\..* Nothing was changed\./,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(await engineObjects()).toEqual([]);
  });
});
