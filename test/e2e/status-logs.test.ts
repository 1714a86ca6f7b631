/**
 * `deployctl status` and `deployctl logs` on the real engine. status: exit 0 after apply with a
 * row per infra and live app container (ports as bound, protection, kept generation), `--json`
 * valid against schemas/status.schema.json, an unlabelled look-alike listed as an orphan and left
 * running, exit 1 with the probe output when the live app turns unhealthy and when the db is
 * stopped. logs: stdout and stderr kept apart, `--tail`, `--since`, an infra service, `-f` seeing
 * new lines and saying so when a second apply replaces the container, Ctrl+C exits 0, an
 * unknown service exits 1 listing the services. A variable unset where status runs leaves its
 * values unknown: status and history go on without false drift, plan still refuses.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, createStack, output, type Stack } from './apply-stack.js';
import { deployctl } from './support/cli.js';
import { docker, E2E_LABEL, execIn, waitFor, waitForHealth } from './support/engine.js';

const schema = JSON.parse(
  await readFile(new URL('../../schemas/status.schema.json', import.meta.url), 'utf8'),
) as object;
const validReport = new Ajv2020.default({
  strict: true,
  allowUnionTypes: true,
  validateFormats: false,
}).compile(schema);

interface Row {
  service: string;
  role: string;
  container: string;
  generation: string | null;
  state: string;
  health: string | null;
  health_output?: string;
  ports: { host_ip: string; host_port: number; container_port: number; protocol: string }[];
  protected: boolean;
  ok: boolean;
  drift: unknown[];
}
interface Report {
  v: number;
  ok: boolean;
  live_generation: string | null;
  services: Row[];
  kept_generations: { deploy_id: string }[];
  orphans: { container: string; labelled: boolean; state: string }[];
  problems: string[];
}

let s: Stack;
let lookalike: string;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes to the container's own stdout/stderr (PID 1's), so the lines land in its log. */
async function say(container: string, stdout: string[], stderr: string[] = []): Promise<void> {
  const script = [
    ...stdout.map((l) => `echo ${l} > /proc/1/fd/1`),
    ...stderr.map((l) => `echo ${l} > /proc/1/fd/2`),
  ].join('; ');
  await execIn(container, ['sh', '-c', script]);
}

async function statusJson(): Promise<{ code: number | null; report: Report }> {
  const run = await s.cli(['status', '--json']);
  const report = JSON.parse(run.stdout) as Report;
  expect(validReport(report), `${JSON.stringify(validReport.errors)}\n${output(run)}`).toBe(true);
  return { code: run.code, report };
}

const rowOf = (r: Report, service: string): Row | undefined => r.services.find((x) => x.service === service);

beforeAll(async () => {
  s = await createStack('status');
  for (const id of ['d1', 'd2']) {
    const run = await s.cli(['apply', '-y', '--deploy-id', id]);
    expect(run.code, output(run)).toBe(0);
  }
  // A settled stack: the engine's own first check has run (apply's gate may open before it;
  // probe-gate.test.ts shows status in that window).
  for (const svc of ['backend', 'frontend']) await waitForHealth(s.app(svc, 'd2'), 'healthy', 15_000);
  lookalike = s.app('backend', 'handmade');
  const c = await docker.createContainer({
    name: lookalike,
    Image: `${APP}:v1`,
    Labels: { [E2E_LABEL]: s.project },
  });
  await c.start();
}, 300_000);

afterAll(async () => {
  if (s) await s.cleanup();
});

describe('deployctl status', () => {
  it('exits 0 after apply: a row per infra and live app container, kept generation, the look-alike an orphan left running', async () => {
    const lookalikeId = await s.idOf(lookalike);
    const text = await s.cli(['status']);
    expect(text.code, output(text)).toBe(0);
    expect(text.stdout).toContain(`live generation d2`);
    for (const name of [s.db, s.proxy, s.app('backend', 'd2'), s.app('frontend', 'd2')])
      expect(text.stdout).toContain(name);
    expect(text.stdout).toContain('OK: all infra and the live generation are running and healthy.');
    expect(text.stdout).toContain(`${lookalike}  running  named like an app of this project`);

    const { code, report } = await statusJson();
    expect(code).toBe(0);
    expect(report).toMatchObject({ v: 1, ok: true, live_generation: 'd2', problems: [] });
    expect(report.services.map((r) => [r.service, r.role, r.container, r.generation, r.state, r.ok])).toEqual(
      [
        ['db', 'infra', s.db, null, 'running', true],
        ['proxy', 'infra', s.proxy, null, 'running', true],
        ['backend', 'app', s.app('backend', 'd2'), 'd2', 'running', true],
        ['frontend', 'app', s.app('frontend', 'd2'), 'd2', 'running', true],
      ],
    );
    expect(rowOf(report, 'db')).toMatchObject({ health: 'healthy', protected: true, drift: [] });
    expect(rowOf(report, 'backend')).toMatchObject({ health: 'healthy', protected: false, drift: [] });
    // The proxy's random loopback port, exactly as the engine bound it.
    const bound = (await docker.getContainer(s.proxy).inspect()).NetworkSettings.Ports['8000/tcp']?.[0];
    expect(rowOf(report, 'proxy')?.ports).toEqual([
      { host_ip: '127.0.0.1', host_port: Number(bound?.HostPort), container_port: 8000, protocol: 'tcp' },
    ]);
    expect(rowOf(report, 'proxy')?.protected).toBe(true);
    expect(report.kept_generations.map((g) => g.deploy_id)).toEqual(['d1']);
    expect(report.orphans).toEqual([
      expect.objectContaining({ container: lookalike, labelled: false, state: 'running' }),
    ]);
    expect([await s.idOf(lookalike), await s.stateOf(lookalike)]).toEqual([lookalikeId, 'running']);
  });
});

describe('deployctl logs', () => {
  it('an app: stdout to stdout, stderr to stderr; --tail; --since with a duration and a timestamp', async () => {
    const backend = s.app('backend', 'd2');
    await say(backend, ['out-1'], ['err-1']);
    const all = await s.cli(['logs', 'backend']);
    expect(all.code, output(all)).toBe(0);
    expect(all.stdout).toContain('out-1\n');
    expect(all.stdout).not.toContain('err-1');
    expect(all.stderr).toContain('err-1\n');
    expect(all.stderr).not.toContain('out-1');

    await say(backend, ['tail-1', 'tail-2', 'tail-3']);
    const tail = await s.cli(['logs', 'backend', '--tail', '2']);
    expect(tail.code, output(tail)).toBe(0);
    expect(tail.stdout).toBe('tail-2\ntail-3\n');

    await sleep(1500);
    const cut = new Date().toISOString();
    await sleep(1500);
    await say(backend, ['after-cut']);
    const since = await s.cli(['logs', 'backend', '--since', cut]);
    expect(since.code, output(since)).toBe(0);
    expect(since.stdout).toBe('after-cut\n');
    expect(since.stderr).toBe('');
    const recent = await s.cli(['logs', 'backend', '--since', '10m']);
    expect(recent.stdout).toContain('out-1\ntail-1\ntail-2\ntail-3\nafter-cut\n');
  });

  it('an infra service: the db container log, --tail counts lines across both streams', async () => {
    const all = await s.cli(['logs', 'db']);
    expect(all.code, output(all)).toBe(0);
    expect(all.stdout + all.stderr).toContain('database system is ready to accept connections');
    const one = await s.cli(['logs', 'db', '--tail', '1']);
    expect(one.code, output(one)).toBe(0);
    expect((one.stdout + one.stderr).trim().split('\n')).toHaveLength(1);
  });

  it('an unknown service: exit 1 listing the services, no stack trace', async () => {
    const run = await s.cli(['logs', 'nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"nope" is not a service of');
    expect(run.stderr).toContain('Services: db, proxy, backend, frontend.');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    for (const [args, says] of [
      [['logs'], 'name the service whose log to show'],
      [['logs', 'backend', '--tail', '-1'], '--tail must be a whole number'],
      [['logs', 'backend', '--since', 'last tuesday'], 'is neither a duration'],
    ] as const) {
      const bad = await s.cli([...args]);
      expect(bad.code, output(bad)).toBe(1);
      expect(bad.stderr).toContain(says);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('-f follows until Ctrl+C and exits 0', async () => {
    const f = s.start(['logs', 'frontend', '-f', '--tail', '0']);
    let out = '';
    let err = '';
    f.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    f.child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor('the follow to start', () => Promise.resolve(err.includes('Following')), 60_000);
    await say(s.app('frontend', 'd2'), ['front-live']);
    await waitFor('the new line', () => Promise.resolve(out.includes('front-live\n')), 60_000);
    f.child.kill('SIGINT');
    const run = await f.done;
    expect(run.code, output(run)).toBe(0);
  });

  it('-f sees new lines, and says so when a second apply replaces the container (exit 0)', async () => {
    const old = s.app('backend', 'd2');
    const f = s.start(['logs', 'backend', '-f', '--tail', '0']);
    let out = '';
    let err = '';
    f.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    f.child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor('the follow to start', () => Promise.resolve(err.includes('Following')), 60_000);
    await say(old, ['live-1'], ['live-err-1']);
    await waitFor(
      'the new lines',
      () => Promise.resolve(out.includes('live-1\n') && err.includes('live-err-1\n')),
      60_000,
    );
    expect(out).not.toContain('tail-3');

    const apply = await s.cli(['apply', '-y', '--deploy-id', 'd3'], { env: { TAG: 'v2' } });
    expect(apply.code, output(apply)).toBe(0);
    const run = await f.done;
    expect(run.code, output(run)).toBe(0);
    expect(run.stderr).toContain(`${old} stopped`);
    expect(run.stderr).toContain(`the live generation is now d3 (${s.app('backend', 'd3')})`);
  }, 300_000);

  it('a variable not set where status runs: status and history go on (values unknown, no false drift); plan refuses', async () => {
    // The spec as CI has it: TAG and DB_PASSWORD come from the pipeline, with no default.
    const ciSpec = join(s.dir, 'ci.yaml');
    const text = (await readFile(s.specPath, 'utf8'))
      .replaceAll('${TAG:-v1}', '${TAG}')
      .replace('shop:${DB_PASSWORD:-e2e-db-password}@db', 'shop:${DB_PASSWORD}@db');
    await writeFile(ciSpec, text);
    const run = (args: string[], env: Record<string, string | undefined>) =>
      deployctl([...args, '--file', ciSpec], { cwd: s.dir, env });
    const unset = { TAG: undefined, DB_PASSWORD: undefined };

    // With the pipeline's values the spec is the one deployed: no drift.
    const set = await run(['status', '--json'], { TAG: 'v2', DB_PASSWORD: 'e2e-db-password' });
    expect(set.code, output(set)).toBe(0);
    expect((JSON.parse(set.stdout) as Report).services.every((r) => r.drift.length === 0)).toBe(true);

    const laptop = await run(['status', '--json'], unset);
    expect(laptop.code, output(laptop)).toBe(0);
    const report = JSON.parse(laptop.stdout) as Report & {
      services: (Row & { drift_summary: string | null })[];
    };
    expect(validReport(report), JSON.stringify(validReport.errors)).toBe(true);
    expect(rowOf(report, 'backend')).toMatchObject({
      ok: true,
      drift: [],
      drift_summary: 'not compared: image, environment.DATABASE_URL unknown here',
    });
    expect(rowOf(report, 'frontend')).toMatchObject({
      drift: [],
      drift_summary: 'not compared: image unknown here',
    });
    expect(laptop.stderr).toContain(
      'apps.services.backend.image is unknown here: variable TAG is not set, so this read-only command goes on without it',
    );
    expect(laptop.stderr).not.toContain('e2e-db-password');

    const history = await run(['history'], unset);
    expect(history.code, output(history)).toBe(0);
    expect(history.stdout).toContain('d3');

    const plan = await run(['plan'], unset);
    expect(plan.code, output(plan)).toBe(1);
    expect(plan.stderr).toContain('uses ${TAG} but variable TAG is not set');
  }, 120_000);

  it('status exits 1 with the probe output when the live app turns unhealthy', async () => {
    const live = s.app('backend', 'd3');
    await execIn(live, ['rm', '-f', '/tmp/www/health']);
    await waitForHealth(live, 'unhealthy', 180_000);
    const text = await s.cli(['status'], { env: { TAG: 'v2' } });
    expect(text.code, output(text)).toBe(1);
    expect(text.stdout).toContain('NOT OK');
    expect(text.stdout).toMatch(/backend: .* is running but unhealthy; last probe: .*404/);
    const run = await s.cli(['status', '--json'], { env: { TAG: 'v2' } });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(validReport(report), JSON.stringify(validReport.errors)).toBe(true);
    expect(report.ok).toBe(false);
    expect(rowOf(report, 'backend')).toMatchObject({ health: 'unhealthy', ok: false });
    expect(rowOf(report, 'backend')?.health_output).toContain('404');
    // Nothing was touched: the unhealthy container still runs.
    expect(await s.stateOf(live)).toBe('running');
  }, 240_000);

  it('status exits 1 when the db is stopped; the report names it', async () => {
    await docker.getContainer(s.db).stop({ t: 10 });
    const { code, report } = await statusJson();
    expect(code).toBe(1);
    expect(rowOf(report, 'db')).toMatchObject({ state: 'exited', ok: false, health: null });
    expect(report.problems.some((p) => p.startsWith(`db: ${s.db} is exited`))).toBe(true);
    expect(await s.stateOf(s.db)).toBe('exited');
    expect([await s.stateOf(lookalike)]).toEqual(['running']);
  }, 120_000);
});
