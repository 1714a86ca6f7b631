/**
 * deployctl over `DOCKER_HOST=ssh://…` against a real sshd on loopback (its own host key, a
 * throwaway client key, a client ~/.ssh bound in a private mount namespace), the engine behind
 * it being the shared local one. Asserts what a user sees (exit code, messages) and what the
 * engine holds, and counts the logins sshd accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, docker, uniqueProject, waitFor } from './support/engine.js';
import {
  clientHome,
  runInHome,
  startInHome,
  startSshd,
  type Sshd,
  type SshClientHome,
} from './support/sshd.js';
import type { CliRun } from './support/cli.js';
import { seedItems, startDbStack, type DbStack } from './db-stack.js';

const out = (r: CliRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let sshd: Sshd;
let user: SshClientHome;
let project: string;
let specPath: string;
let dir: string;

// One app whose health the test controls: healthy once /tmp/ok exists in the container.
const spec = (p: string) => `version: 1
project: ${p}
infra:
  networks:
    ${p}_net: {}
apps:
  services:
    web:
      image: deployctl-fixture/app:v1
      networks: [${p}_net]
      healthcheck: { test: ["CMD", "sh", "-c", "test -f /tmp/ok || test -n \\"$$READY\\""], interval: 1s, timeout: 2s, retries: 600 }
      environment: { READY: "\${READY:-}" }
      wait_timeout: 5m
      stop_grace_period: 2s
cleanup:
  keep_generations: 1
`;

const containers = async () =>
  (await docker.listContainers({ all: true, filters: { label: [`deployctl.project=${project}`] } }))
    .map((c) => `${c.Names[0]!.slice(1)}:${c.State}`)
    .filter((n) => n.startsWith(`${project}_web_`))
    .sort();

const sshHost = () => `ssh://root@127.0.0.1:${sshd.port}`;
/** deployctl's ssh files in the temp dir: masters' control sockets, forwards of the engine socket. */
const tmpFiles = async (re: RegExp) => (await readdir(tmpdir())).filter((f) => re.test(f));
const forwardFiles = () => tmpFiles(/^deployctl-ssh-[0-9a-f]{16}\.engine$/);
const masterSockets = () => tmpFiles(/^deployctl-ssh-[0-9a-f]{16}$/);
const cli = (args: string[], env: Record<string, string | undefined> = {}, home = user.home) =>
  runInHome(home, [...args, '--file', specPath], { cwd: dir, env: { DOCKER_HOST: sshHost(), ...env } });

beforeAll(async () => {
  sshd = await startSshd();
  user = await clientHome();
  await sshd.authorize(user.pubKey);
  await user.setKnownHosts(`${sshd.knownHostsLine}\n`);
  project = uniqueProject('ssh');
  dir = await mkdtemp(join(tmpdir(), 'deployctl-e2e-ssh-'));
  specPath = join(dir, 'deployctl.yaml');
  await writeFile(specPath, spec(project));
}, 600_000);

let db: DbStack | undefined;

afterAll(async () => {
  if (project) await cleanupProject(project);
  if (db) await cleanupProject(db.project);
  if (sshd) await sshd.stop();
});

describe('deployctl over ssh://', () => {
  it('plans with a key file and known_hosts, no agent, over one ssh connection, naming the engine', async () => {
    const before = await sshd.accepted();
    const sessions = await sshd.sessions();
    const run = await cli(['plan']);
    expect(run.code, out(run)).toBe(0);
    expect(run.stderr).toContain(`Engine: ${sshHost()}`);
    expect(run.stdout).toContain(`${project}_web_`);
    expect((await sshd.accepted()) - before).toBe(1);
    // Every request went through the forward of the engine socket: the one session is the
    // master's own dial-stdio, and ssh's forwarded socket file was removed on exit.
    expect((await sshd.sessions()) - sessions).toBe(1);
    expect(await forwardFiles()).toEqual([]);
  });

  it('falls back to dial-stdio streams where sshd refuses to forward the engine socket', async () => {
    const strict = await startSshd(['AllowStreamLocalForwarding no']);
    try {
      await strict.authorize(user.pubKey);
      await user.setKnownHosts(`${sshd.knownHostsLine}\n${strict.knownHostsLine}\n`);
      const run = await cli(['plan'], { DOCKER_HOST: `ssh://root@127.0.0.1:${strict.port}` });
      expect(run.code, out(run)).toBe(0);
      expect(run.stdout).toContain(`${project}_web_`);
      expect(await strict.accepted()).toBe(1);
      // The master's session plus at least one dial-stdio stream: the forward was not used.
      expect(await strict.sessions()).toBeGreaterThan(1);
    } finally {
      await user.setKnownHosts(`${sshd.knownHostsLine}\n`);
      await strict.stop();
    }
    // And where the user says so (a host whose docker CLI reaches another engine).
    const sessions = await sshd.sessions();
    const run = await cli(['plan'], { DEPLOYCTL_SSH_FORWARD: '0' });
    expect(run.code, out(run)).toBe(0);
    expect((await sshd.sessions()) - sessions).toBeGreaterThan(1);
  });

  it('a run killed with -9 leaves a forwarded socket file; the next run removes it', async () => {
    const killed = startInHome(user.home, ['apply', '-y', '--deploy-id', 'k1', '--file', specPath], {
      cwd: dir,
      env: { DOCKER_HOST: sshHost() },
    });
    await waitFor(
      'k1 to run',
      async () => (await containers()).includes(`${project}_web_k1:running`),
      120_000,
    );
    killed.child.kill('SIGKILL');
    await killed.done;
    await waitFor(
      "the killed run's ssh master to exit",
      async () => (await masterSockets()).length === 0,
      30_000,
    );
    expect(await forwardFiles()).toHaveLength(1);
    // The lock of the dead run is taken over by the next one (its holder is provably dead).
    const next = await cli(['plan']);
    expect(next.code, out(next)).toBe(0);
    expect(await forwardFiles()).toEqual([]);
    for (const name of [`${project}_web_k1`, `${project}.deployctl-lock`]) {
      await docker
        .getContainer(name)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });

  it('refuses a host whose key is not in known_hosts: exit 1, how to trust it, nothing changed', async () => {
    await user.setKnownHosts('');
    try {
      const run = await cli(['apply', '-y', '--deploy-id', 'd0']);
      expect(run.code, out(run)).toBe(1);
      expect(run.stderr).toContain('[ENGINE_UNREACHABLE]');
      expect(run.stderr).toContain('ssh refused the host key of 127.0.0.1');
      expect(run.stderr).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ~/.ssh/known_hosts`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(await containers()).toEqual([]);
    } finally {
      await user.setKnownHosts(`${sshd.knownHostsLine}\n`);
    }
  });

  it('refuses a host whose key changed, saying so', async () => {
    const other = await clientHome(); // any other ed25519 key stands in for a changed host key
    await user.setKnownHosts(`[127.0.0.1]:${sshd.port} ${other.pubKey.split(' ').slice(0, 2).join(' ')}\n`);
    try {
      const run = await cli(['plan']);
      expect(run.code, out(run)).toBe(1);
      expect(run.stderr).toContain('it differs from the one in known_hosts');
      expect(run.stderr).toContain(sshd.fingerprint);
    } finally {
      await user.setKnownHosts(`${sshd.knownHostsLine}\n`);
    }
  });

  it('refuses a key the host does not accept: exit 1, names user and host, nothing changed', async () => {
    const stranger = await clientHome();
    await stranger.setKnownHosts(`${sshd.knownHostsLine}\n`);
    const run = await cli(['apply', '-y', '--deploy-id', 'd0'], {}, stranger.home);
    expect(run.code, out(run)).toBe(1);
    expect(run.stderr).toContain('[ENGINE_UNREACHABLE]');
    expect(run.stderr).toContain(`ssh could not log in to root@127.0.0.1:${sshd.port}`);
    expect(run.stderr).toContain('IdentityFile');
    expect(await containers()).toEqual([]);
  });

  it('follows a ~/.ssh/config Host alias (HostName, Port, User, IdentityFile)', async () => {
    const aliased = await clientHome();
    await sshd.authorize(aliased.pubKey);
    await aliased.setKnownHosts(`${sshd.knownHostsLine}\n`);
    await aliased.setConfig(
      `Host deploy-target\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${aliased.keyFile}\n  IdentitiesOnly yes\n`,
    );
    const run = await cli(['plan'], { DOCKER_HOST: 'ssh://deploy-target' }, aliased.home);
    expect(run.code, out(run)).toBe(0);
    expect(run.stderr).toContain('Engine: ssh://deploy-target');
  });

  it('goes through a ProxyJump host from ~/.ssh/config: one login on the jump host, one on the target', async () => {
    const jump = await startSshd();
    try {
      const jumper = await clientHome();
      await sshd.authorize(jumper.pubKey);
      await jump.authorize(jumper.pubKey);
      await jumper.setKnownHosts(`${sshd.knownHostsLine}\n${jump.knownHostsLine}\n`);
      await jumper.setConfig(
        [
          'Host bastion',
          '  HostName 127.0.0.1',
          `  Port ${jump.port}`,
          '  User root',
          `  IdentityFile ${jumper.keyFile}`,
          'Host behind-bastion',
          '  HostName 127.0.0.1',
          `  Port ${sshd.port}`,
          '  User root',
          `  IdentityFile ${jumper.keyFile}`,
          '  ProxyJump bastion',
          '',
        ].join('\n'),
      );
      const [jumpBefore, targetBefore] = [await jump.accepted(), await sshd.accepted()];
      const run = await cli(['plan'], { DOCKER_HOST: 'ssh://behind-bastion' }, jumper.home);
      expect(run.code, out(run)).toBe(0);
      expect(run.stderr).toContain('Engine: ssh://behind-bastion');
      expect(run.stdout).toContain(`${project}_web_`);
      expect((await jump.accepted()) - jumpBefore).toBe(1);
      expect((await sshd.accepted()) - targetBefore).toBe(1);
    } finally {
      await jump.stop();
    }
  });

  it('backs up and restores a database over ssh (restore-db streams the dump through the connection)', async () => {
    db = await startDbStack('sshdb');
    await seedItems(db, 300);
    const checksum = await db.checksum();
    const overSsh = (args: string[]) =>
      runInHome(user.home, [...args, '-f', db!.specPath], { cwd: db!.dir, env: { DOCKER_HOST: sshHost() } });
    const backup = await overSsh(['backup', '--json']);
    expect(backup.code, out(backup)).toBe(0);
    expect(backup.stderr).toContain(`Engine: ${sshHost()}`);
    const dump = (JSON.parse(backup.stdout) as { path: string }).path;

    await db.sql('DELETE FROM items WHERE id > 5');
    expect(await db.checksum()).not.toBe(checksum);
    const before = await sshd.accepted();
    const restore = await overSsh(['restore-db', dump, '-y']);
    expect(restore.code, out(restore)).toBe(0);
    expect(restore.stdout).toContain('public.items 300');
    expect(await db.checksum()).toBe(checksum);
    expect(await db.runningApps()).toHaveLength(1);
    expect((await sshd.accepted()) - before).toBe(1);
  }, 300_000);

  it('applies over one ssh connection; a connection cut mid-apply is ENGINE_UNREACHABLE and a re-run converges', async () => {
    const before = await sshd.accepted();
    const ok = await cli(['apply', '-y', '--deploy-id', 'd1'], { READY: '1' });
    expect(ok.code, out(ok)).toBe(0);
    expect(await containers()).toEqual([`${project}_web_d1:running`]);
    expect((await sshd.accepted()) - before).toBe(1);

    // d2 waits for its health (never healthy until the test says so); cut the connection then.
    const cut = startInHome(user.home, ['apply', '-y', '--deploy-id', 'd2', '--file', specPath], {
      cwd: dir,
      env: { DOCKER_HOST: sshHost() },
    });
    await waitFor(
      'd2 to run',
      async () => (await containers()).includes(`${project}_web_d2:running`),
      120_000,
    );
    // The host goes away for this client: its connection dies and it cannot log in again.
    await sshd.deauthorizeAll();
    await sshd.dropConnections();
    const died = await cut.done;
    expect(died.code, out(died)).toBe(1);
    expect(died.stderr).toContain('[ENGINE_UNREACHABLE]');
    expect(died.stderr).toMatch(/ssh (connection to|could not log in to) root@127\.0\.0\.1/);
    await sshd.authorize(user.pubKey);

    // The run lost its engine: it stopped there (d1 untouched and serving); re-running converges.
    expect(await containers()).toContain(`${project}_web_d1:running`);
    const rerun = await cli(['apply', '-y', '--deploy-id', 'd2', '--lock-timeout', '2m'], { READY: '1' });
    expect(rerun.code, out(rerun)).toBe(0);
    await waitFor(
      'd1 retired',
      async () => !(await containers()).includes(`${project}_web_d1:running`),
      60_000,
    );
    expect((await containers()).filter((c) => c.endsWith(':running'))).toEqual([`${project}_web_d2:running`]);
    const again = await cli(['plan', '--deploy-id', 'd2', '--detailed-exitcode'], { READY: '1' });
    expect(again.code, out(again)).toBe(0);
  }, 900_000);
});
