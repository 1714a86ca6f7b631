/**
 * `deployctl down` on the real engine: every app generation stopped and removed; infra, volumes,
 * networks, the letsencrypt dir, an unmanaged container named like an app and a cleanup.protect
 * match left as they were; `--include-infra` stops infra and keeps the same containers; `apply`
 * afterwards brings the stack back with the DB rows intact; history and events record it; and a
 * `kill -9` while a slow container is being stopped converges when `down -y` simply runs again.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, createStack, output, type Stack } from './apply-stack.js';
import { startCli, writeSpec } from './support/cli.js';
import { cleanupProject, docker, E2E_LABEL, uniqueProject, waitFor } from './support/engine.js';

let s: Stack;
let lookalike: string;
let legacy: string;
const ids: Record<string, string | undefined> = {};

/** A container deployctl did not create (only the test's cleanup label), running. */
async function unmanaged(name: string, project: string): Promise<string> {
  const c = await docker.createContainer({ name, Image: `${APP}:v1`, Labels: { [E2E_LABEL]: project } });
  await c.start();
  return name;
}

beforeAll(async () => {
  s = await createStack('down');
  for (const id of ['d1', 'd2']) {
    const run = await s.cli(['apply', '-y', '--deploy-id', id]);
    expect(run.code, output(run)).toBe(0);
  }
  await s.sql(
    'CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, $$chair$$), (2, $$desk$$);',
  );
  lookalike = await unmanaged(s.app('backend', 'handmade'), s.project);
  legacy = await unmanaged(`${s.project}_billing_persistent`, s.project);
  for (const name of [s.db, s.proxy, lookalike, legacy]) ids[name] = await s.idOf(name);
  expect(await s.apps()).toEqual({
    [s.app('backend', 'd1')]: 'exited',
    [s.app('backend', 'd2')]: 'running',
    [s.app('frontend', 'd1')]: 'exited',
    [s.app('frontend', 'd2')]: 'running',
  });
});

afterAll(async () => {
  if (s) await s.cleanup();
});

async function untouched(): Promise<void> {
  for (const name of [lookalike, legacy]) {
    expect([await s.idOf(name), await s.stateOf(name)], name).toEqual([ids[name], 'running']);
  }
  expect((await docker.getVolume(s.volume).inspect()).Name).toBe(s.volume);
  expect((await docker.getNetwork(s.net).inspect()).Name).toBe(s.net);
  expect(JSON.parse(await readFile(join(s.letsencrypt, 'acme.json'), 'utf8'))).toHaveProperty('issued');
}

describe('deployctl down', () => {
  it('without a terminal and without -y shows what it would do, refuses (exit 1) and changes nothing', async () => {
    const run = await s.cli(['down']);
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain('NOT_CONFIRMED');
    expect(run.stdout).toContain(`stop+remove ${s.app('backend', 'd2')}`);
    expect(run.stdout).toContain(`remove ${s.app('backend', 'd1')}`);
    expect(run.stdout).toMatch(new RegExp(`keep container ${lookalike}: not created by deployctl`));
    expect(run.stdout).toContain(
      `keep container ${legacy}: not created by deployctl, protected (matches cleanup.protect`,
    );
    expect(run.stdout).toContain(`keep volume ${s.volume}`);
    expect(run.stdout).toContain('keep dir letsencrypt');
    expect(Object.keys(await s.apps())).toHaveLength(4);
    expect(await s.stateOf(`${s.project}.deployctl-lock`)).toBeUndefined();
  });

  it('-y stops and removes every app generation and leaves infra, data, networks and foreign containers as they were', async () => {
    const run = await s.cli(['down', '-y']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toContain(`Down complete for ${s.project}.`);
    expect(await s.apps()).toEqual({});
    for (const name of [s.db, s.proxy]) {
      expect([await s.idOf(name), await s.stateOf(name)], name).toEqual([ids[name], 'running']);
    }
    await untouched();
    expect(await s.stateOf(`${s.project}.deployctl-lock`)).toBeUndefined();

    const again = await s.cli(['down']);
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toContain('Nothing to take down');
  });

  it('--include-infra stops infra (same containers, not removed); apply brings the stack back with its rows', async () => {
    const run = await s.cli(['down', '-y', '--include-infra']);
    expect(run.code, output(run)).toBe(0);
    for (const name of [s.db, s.proxy]) {
      expect([await s.idOf(name), await s.stateOf(name)], name).toEqual([ids[name], 'exited']);
    }
    await untouched();

    const apply = await s.cli(['apply', '-y', '--deploy-id', 'd3']);
    expect(apply.code, output(apply)).toBe(0);
    expect([await s.idOf(s.db), await s.stateOf(s.db)]).toEqual([ids[s.db], 'running']);
    expect(await s.sql('SELECT id, item FROM orders ORDER BY id')).toBe('1|chair\n2|desk');
    expect(await s.apps()).toEqual({
      [s.app('backend', 'd3')]: 'running',
      [s.app('frontend', 'd3')]: 'running',
    });
    await untouched();
  });

  it('is recorded: history shows down revisions, events show down.started/succeeded and container lifecycle', async () => {
    const hist = await s.cli(['history', '--json']);
    expect(hist.code, output(hist)).toBe(0);
    const revs = (
      JSON.parse(hist.stdout) as {
        revisions: { number: number; kind: string; result: string; deploy_id: string }[];
      }
    ).revisions;
    expect(revs.map((r) => `${r.kind} ${r.result}`).slice(0, 3)).toEqual([
      'apply succeeded',
      'down succeeded',
      'down succeeded',
    ]);
    expect(revs[2]?.deploy_id).toBe('d2');

    const ev = await s.cli(['events', '--json']);
    expect(ev.code, output(ev)).toBe(0);
    const events = ev.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; container?: string; revision: number });
    const firstDown = events.filter((e) => e.revision === revs[2]?.number);
    expect(firstDown.map((e) => `${e.event}${e.container ? ` ${e.container}` : ''}`).sort()).toEqual(
      [
        'down.started',
        'down.succeeded',
        `container.terminating ${s.app('backend', 'd2')}`,
        `container.terminated ${s.app('backend', 'd2')}`,
        `container.cleaned_up ${s.app('backend', 'd2')}`,
        `container.cleaned_up ${s.app('backend', 'd1')}`,
        `container.terminating ${s.app('frontend', 'd2')}`,
        `container.terminated ${s.app('frontend', 'd2')}`,
        `container.cleaned_up ${s.app('frontend', 'd2')}`,
        `container.cleaned_up ${s.app('frontend', 'd1')}`,
      ].sort(),
    );
    expect(events.filter((e) => e.event === 'down.succeeded')).toHaveLength(2);
  });
});

describe('deployctl down after kill -9', () => {
  let project: string;
  let specPath: string;

  beforeAll(async () => {
    project = uniqueProject('downkill');
    // SIGWINCH is ignored by the fixture's shell: each stop lasts its whole grace period.
    specPath = await writeSpec(`version: 1
project: ${project}
infra:
  networks:
    ${project}_net: {}
apps:
  services:
    slow:
      image: ${APP}:v1
      networks: [${project}_net]
      stop_signal: SIGWINCH
      stop_grace_period: 20s
`);
  });

  afterAll(async () => {
    if (project) await cleanupProject(project);
  });

  const cli = (args: string[]) => startCli([...args, '--file', specPath]);

  it('killed while stopping a slow container, `down -y` again exits 0, converged, no lock left', async () => {
    const apply = await cli(['apply', '-y', '--deploy-id', 'k1']).done;
    expect(apply.code, output(apply)).toBe(0);
    const name = `${project}_slow_k1`;
    const eventsFile = join(specPath, '..', 'events.jsonl');
    const killed = cli(['down', '-y', '--events-file', eventsFile]);
    await waitFor(
      'down to start stopping the slow container',
      async () =>
        existsSync(eventsFile) && (await readFile(eventsFile, 'utf8')).includes('container.terminating'),
      15_000,
    );
    const terminating = Date.now();
    killed.child.kill('SIGKILL');
    expect((await killed.done).code).toBeNull();
    expect(
      await docker
        .getContainer(`${project}.deployctl-lock`)
        .inspect()
        .then(() => true),
    ).toBe(true);

    const rerun = await cli(['down', '-y']).done;
    expect(rerun.code, output(rerun)).toBe(0);
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`deployctl.project=${project}`] },
    });
    expect(left.map((c) => c.Names[0]).filter((n) => !n?.endsWith('.deployctl-state'))).toEqual([]);
    // The 20 s grace period was honoured (a kill would be instant, the default grace 10 s).
    expect(Date.now() - terminating).toBeGreaterThan(17_000);
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
    const final = await cli(['down', '-y']).done;
    expect(final.code, output(final)).toBe(0);
    expect(final.stdout).toContain('Nothing to take down');
  });
});
