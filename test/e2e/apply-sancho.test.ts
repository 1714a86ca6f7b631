/**
 * The seed's scenario, end to end on the real engine, in order: an external volume made by
 * hand and a legacy container deployctl never created; a first apply; data written into the
 * database; a re-apply that changes nothing; a second generation with a new image tag; a
 * failed apply (image unavailable) that leaves the serving generation alone; a drifted infra
 * image that is reported and not applied; a database container removed by hand and recreated
 * on its volume; and generations pruned per keep_generations. Through it all the database and
 * proxy containers keep their ids, the rows and the letsencrypt files stay, and the legacy
 * container is never touched.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, PG, createStack, output, type Stack } from './apply-stack.js';
import { docker } from './support/engine.js';

let s: Stack;
let legacy: string;
let legacyId: string;
let dbId: string;
let proxyId: string;
let acme: Buffer;
let rows: string;
let driftTag: string;

const checksum = (): Promise<string> =>
  s.sql(
    "SELECT count(*) || ':' || md5(coalesce(string_agg(id || '=' || name, ',' ORDER BY id), '')) FROM items",
  );

/** A loopback port nothing listens on: a registry that is not there. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 9));
    });
  });
}

/** The infra and the legacy container are exactly as they were after the first apply. */
async function infraUntouched(): Promise<void> {
  expect(await s.idOf(s.db)).toBe(dbId);
  expect(await s.stateOf(s.db)).toBe('running');
  expect(await s.idOf(s.proxy)).toBe(proxyId);
  expect(await s.stateOf(s.proxy)).toBe('running');
  expect(await checksum()).toBe(rows);
  expect((await readFile(`${s.letsencrypt}/acme.json`)).equals(acme)).toBe(true);
  const info = await docker.getContainer(legacy).inspect();
  expect(info.Id).toBe(legacyId);
  expect(info.State.Running).toBe(true);
  expect(info.RestartCount).toBe(0);
}

beforeAll(async () => {
  s = await createStack('sancho');
  driftTag = `${PG}-drift-${s.project.slice(-6)}`;
  // A container from before deployctl, matching `protect: [<project>_*_persistent]`, labelled
  // only for test cleanup.
  legacy = `${s.project}_legacy_persistent`;
  const c = await docker.createContainer({
    name: legacy,
    Image: `${APP}:v1`,
    Labels: { 'deployctl-e2e': s.project },
  });
  await c.start();
  legacyId = c.id;
});

afterAll(async () => {
  if (driftTag)
    await docker
      .getImage(driftTag)
      .remove()
      .catch(() => undefined);
  if (s) await s.cleanup();
});

describe('the sancho scenario on the real engine', () => {
  it('first apply creates the infrastructure and generation d1, and leaves the legacy container alone', async () => {
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toContain(`container ${legacy}`);
    expect(run.stdout).toContain(`protected by cleanup.protect "${s.project}_*_persistent": never touched`);
    expect(run.stdout).toContain(`Apply complete: generation d1 of ${s.project} is serving.`);
    // CI (no terminal): progress is plain timestamped lines on stderr, one per event, in phase order.
    const steps = [...run.stderr.matchAll(/^\[COMPLETED\] \[\d\d:\d\d:\d\d\] ([^:\n]+)/gm)].map((m) => m[1]);
    expect(steps).toEqual([
      'Pre-deploy cleanup',
      'Images',
      'Infrastructure',
      'New generation d1',
      'Retire older generations',
    ]);

    expect(await s.apps()).toEqual({
      [s.app('backend', 'd1')]: 'running',
      [s.app('frontend', 'd1')]: 'running',
    });
    expect(await s.http('backend', '/version')).toBe('v1');
    const db = await docker.getContainer(s.db).inspect();
    expect(db.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name)).toEqual([s.volume]);
    expect(db.Config.Labels).toMatchObject({ 'deployctl.project': s.project, 'deployctl.role': 'infra' });
    // The proxy publishes on loopback only, on a random port.
    const proxy = await docker.getContainer(s.proxy).inspect();
    expect(proxy.NetworkSettings.Ports['8000/tcp']?.[0]?.HostIp).toBe('127.0.0.1');
    // A non-external infra volume is created, labelled as infra of the project.
    const logs = await docker.getVolume(`${s.project}_logs`).inspect();
    expect(logs.Labels).toMatchObject({ 'deployctl.project': s.project, 'deployctl.role': 'infra' });
    // App containers carry their identity: project, role, service, deploy id, config hash, image id.
    const backend = await docker.getContainer(s.app('backend', 'd1')).inspect();
    expect(backend.Config.Labels).toMatchObject({
      'deployctl.project': s.project,
      'deployctl.role': 'app',
      'deployctl.service': 'backend',
      'deployctl.deploy-id': 'd1',
      'deployctl.image-id': backend.Image,
    });
    expect(backend.Config.Labels['deployctl.config-hash']).toMatch(/^[0-9a-f]{64}$/);
    dbId = db.Id;
    proxyId = proxy.Id;
    acme = await readFile(`${s.letsencrypt}/acme.json`);
    expect(acme.length).toBeGreaterThan(0);
    expect((await docker.getContainer(legacy).inspect()).Id).toBe(legacyId);
  });

  it('rows written into the database', async () => {
    await s.sql(
      "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); INSERT INTO items SELECT g, 'item-' || g FROM generate_series(1, 250) g;",
    );
    rows = await checksum();
    expect(rows).toMatch(/^250:/);
  });

  it('re-apply with the same deploy id changes nothing, and plan --detailed-exitcode says so', async () => {
    const apps = await Promise.all([s.idOf(s.app('backend', 'd1')), s.idOf(s.app('frontend', 'd1'))]);
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd1']);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toContain('No changes.');
    expect(run.stdout).toContain(
      'Nothing to do: generation d1 and the infrastructure already match the spec.',
    );
    const plan = await s.cli(['plan', '--detailed-exitcode', '--deploy-id', 'd1']);
    expect(plan.code, output(plan)).toBe(0);
    // Without a deploy id, the live generation that already runs this spec is reused.
    const plain = await s.cli(['apply', '-y']);
    expect(plain.code, output(plain)).toBe(0);
    expect(plain.stdout).toContain('Nothing to do: generation d1');
    expect(await Promise.all([s.idOf(s.app('backend', 'd1')), s.idOf(s.app('frontend', 'd1'))])).toEqual(
      apps,
    );
    await infraUntouched();
  });

  it('a second deploy id with a new tag serves v2; the old generation is stopped and kept; infra untouched', async () => {
    const plan = await s.cli(['plan', '--detailed-exitcode', '--deploy-id', 'd2'], { env: { TAG: 'v2' } });
    expect(plan.code, output(plan)).toBe(2);
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd2'], { env: { TAG: 'v2' } });
    expect(run.code, output(run)).toBe(0);
    // The closing summary: what was created, stopped, kept, what serves, and each phase's time.
    expect(run.stdout).toContain(`Apply complete: generation d2 of ${s.project} is serving.`);
    expect(run.stdout).toMatch(
      new RegExp(`created\\s+${s.app('backend', 'd2')}, ${s.app('frontend', 'd2')}`),
    );
    expect(run.stdout).toMatch(/stopped\s+\S+_d1, \S+_d1/);
    expect(run.stdout).toMatch(new RegExp(`kept\\s+${s.app('backend', 'd1')}, ${s.app('frontend', 'd1')}`));
    expect(run.stdout).toMatch(/timings\s+cleanup \d.*, images \d.*, infra \d.*, deploy \d.*, retire \d/);
    expect(await s.http('backend', '/version')).toBe('v2');
    expect(await s.http(s.app('backend', 'd2'), '/version')).toBe('v2');
    expect(await s.apps()).toEqual({
      [s.app('backend', 'd1')]: 'exited',
      [s.app('backend', 'd2')]: 'running',
      [s.app('frontend', 'd1')]: 'exited',
      [s.app('frontend', 'd2')]: 'running',
    });
    await infraUntouched();
  });

  it('an apply whose image cannot be had fails (exit 1), says nothing changed and what serves; v2 still serves', async () => {
    const registry = `127.0.0.1:${await closedPort()}`;
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd3'], {
      env: { APP_IMAGE: `${registry}/sancho/app`, TAG: 'nope' },
    });
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain('Error [IMAGE_UNAVAILABLE]');
    expect(run.stderr).toContain('nothing was changed');
    expect(run.stderr).toContain(`${registry}/sancho/app:nope`);
    expect(run.stderr).toContain(
      `Serving now: untouched ${s.app('backend', 'd2')}, ${s.app('frontend', 'd2')}.`,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(Object.keys(await s.apps())).not.toContain(s.app('backend', 'd3'));
    expect(await s.http('backend', '/version')).toBe('v2');
    expect(await s.stateOf(s.app('backend', 'd2'))).toBe('running');
    await infraUntouched();
  });

  it('a drifted infra image is shown as protected drift and not applied', async () => {
    const [repo, tag] = driftTag.split(':') as [string, string];
    await docker.getImage(PG).tag({ repo, tag });
    const env = { DB_IMAGE: driftTag, TAG: 'v2' };
    const plan = await s.cli(['plan', '--deploy-id', 'd2', '--detailed-exitcode'], { env });
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(
      new RegExp(`~\\s+drift container ${s.db} \\(db\\) \\[protected\\]: differs from the spec`),
    );
    expect(plan.stdout).toContain(`image: ${PG} → ${driftTag}`);
    expect(plan.stdout).toContain('1 protected drift (not applied)');
    const json = await s.cli(['plan', '--deploy-id', 'd2', '--json'], { env });
    const drift = (
      JSON.parse(json.stdout) as {
        actions: { kind: string; name: string; protected: boolean; reason: string }[];
      }
    ).actions.find((a) => a.name === s.db);
    expect(drift).toMatchObject({ kind: 'drift', protected: true, reason: 'image_changed' });

    const run = await s.cli(['apply', '-y', '--deploy-id', 'd2'], { env });
    expect(run.code, output(run)).toBe(0);
    expect((await docker.getContainer(s.db).inspect()).Config.Image).toBe(PG);
    await infraUntouched();
  });

  it('an infra container stopped by hand is started again: the same container, files intact', async () => {
    await docker.getContainer(s.proxy).stop({ t: 5 });
    const plan = await s.cli(['plan', '--deploy-id', 'd2', '--detailed-exitcode'], { env: { TAG: 'v2' } });
    expect(plan.code, output(plan)).toBe(2);
    expect(plan.stdout).toMatch(
      new RegExp(`~\\s+container ${s.proxy} \\(proxy\\) \\[protected\\]: is exited: will be started`),
    );
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd2'], { env: { TAG: 'v2' } });
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`started\\s+${s.proxy}`));
    await infraUntouched();
  });

  it('a database container removed by hand is recreated on its volume, with the rows there', async () => {
    const apps = await s.apps();
    const appIds = await Promise.all(Object.keys(apps).map((n) => s.idOf(n)));
    await docker.getContainer(s.db).remove({ force: true });
    const plan = await s.cli(['plan', '--deploy-id', 'd2'], { env: { TAG: 'v2' } });
    expect(plan.stdout).toMatch(
      new RegExp(`\\+\\s+container ${s.db} \\(db\\) \\[protected\\]: does not exist: will be created`),
    );
    const run = await s.cli(['apply', '-y', '--deploy-id', 'd2'], { env: { TAG: 'v2' } });
    expect(run.code, output(run)).toBe(0);
    const db = await docker.getContainer(s.db).inspect();
    expect(db.Id).not.toBe(dbId);
    expect(db.State.Running).toBe(true);
    expect(db.Mounts.filter((m) => m.Type === 'volume').map((m) => [m.Name, m.Destination])).toEqual([
      [s.volume, '/var/lib/postgresql/data'],
    ]);
    dbId = db.Id;
    expect(await checksum()).toBe(rows);
    // The apps were not touched to do it.
    expect(await s.apps()).toEqual(apps);
    expect(await Promise.all(Object.keys(apps).map((n) => s.idOf(n)))).toEqual(appIds);
    await infraUntouched();
  });

  it('after several deploys, generations beyond keep_generations are removed and the kept ones stopped', async () => {
    for (const [id, tag] of [
      ['d3', 'v1'],
      ['d4', 'v2'],
      ['d5', 'v1'],
    ]) {
      const run = await s.cli(['apply', '-y', '--deploy-id', id!], { env: { TAG: tag } });
      expect(run.code, output(run)).toBe(0);
    }
    expect(await s.apps()).toEqual({
      [s.app('backend', 'd3')]: 'exited',
      [s.app('backend', 'd4')]: 'exited',
      [s.app('backend', 'd5')]: 'running',
      [s.app('frontend', 'd3')]: 'exited',
      [s.app('frontend', 'd4')]: 'exited',
      [s.app('frontend', 'd5')]: 'running',
    });
    expect(await s.http('backend', '/version')).toBe('v1');
    await infraUntouched();
    const volumes = (await docker.listVolumes()).Volumes ?? [];
    expect(volumes.map((v) => v.Name)).toContain(s.volume);
  });
});
