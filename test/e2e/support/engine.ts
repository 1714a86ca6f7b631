/**
 * Real-engine helpers for e2e tests: a dockerode client for assertions (tests check outcomes on
 * the engine directly, not through the code under test), unique project names, and cleanup by
 * label so parallel and crashed runs never collide.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';

/** Honours DOCKER_HOST like the code under test does, via docker-modem's own defaults. */
export const docker = new Docker();

/** Put on everything a test creates outside deployctl, so cleanup (and the global sweep) finds it. */
export const E2E_LABEL = 'deployctl-e2e';
const PROJECT_LABEL = 'deployctl.project';

/** `e2e_<prefix>_<6 random [a-z0-9]>`: a valid project name (SPEC.md) unique to one test file run. */
export function uniqueProject(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return `e2e_${clean}_${suffix}`;
}

/** Labels for a test-made object of `project`, as deployctl would label it plus the e2e marker. */
export function e2eLabels(project: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [PROJECT_LABEL]: project, [E2E_LABEL]: project, ...extra };
}

const byLabel = (project: string): string[][] => [
  [`${PROJECT_LABEL}=${project}`],
  [`${E2E_LABEL}=${project}`],
];

/**
 * Removes (force) every container labelled `deployctl.project=<project>` or
 * `deployctl-e2e=<project>`, then the volumes and networks with those labels. This is TEST
 * cleanup and may remove volumes; production code never does.
 */
export async function cleanupProject(project: string): Promise<void> {
  for (const label of byLabel(project)) {
    const containers = await docker.listContainers({ all: true, filters: { label } });
    await Promise.all(
      containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreGone)),
    );
  }
  for (const label of byLabel(project)) {
    const { Volumes } = await docker.listVolumes({ filters: { label } });
    await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(ignoreGone)));
    const networks = await docker.listNetworks({ filters: { label } });
    await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(ignoreGone)));
  }
}

function ignoreGone(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode !== 404) throw err;
}

/** A named volume only this test knows, labelled so cleanupProject removes it. */
export async function createTestVolume(name: string, project: string): Promise<string> {
  await docker.createVolume({ Name: name, Labels: e2eLabels(project) });
  return name;
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Waits until the container's State.Health.Status is `status`. */
export function waitForHealth(
  idOrName: string,
  status: 'healthy' | 'unhealthy',
  timeoutMs = 60_000,
): Promise<true> {
  return waitFor(
    `${idOrName} to be ${status}`,
    async () => {
      const info = await docker.getContainer(idOrName).inspect();
      return info.State.Health?.Status === status || undefined;
    },
    timeoutMs,
  );
}

/** Waits until the container is no longer running and returns its exit code. */
export function waitForExit(idOrName: string, timeoutMs = 30_000): Promise<number> {
  return waitFor(
    `${idOrName} to exit`,
    async () => {
      const info = await docker.getContainer(idOrName).inspect();
      return info.State.Running ? undefined : info.State.ExitCode;
    },
    timeoutMs,
  );
}

/** Runs `cmd` in a running container through the engine; fails on a non-zero exit. */
export async function execIn(container: string, cmd: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  let stderr = '';
  out.on('data', (d: Buffer) => chunks.push(d));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  docker.modem.demuxStream(stream, out, err);
  await new Promise((resolve) => stream.on('end', resolve));
  // The output can end a moment before the engine records the exit code.
  const info = await waitFor(
    'the exec to exit',
    async () => {
      const i = await exec.inspect();
      return i.Running ? undefined : i;
    },
    10_000,
    50,
  );
  if (info.ExitCode !== 0)
    throw new Error(`${cmd.join(' ')} in ${container} exited ${info.ExitCode}: ${stderr}`);
  return { stdout: Buffer.concat(chunks), stderr };
}

/** SQL as the fixture stacks' `shop` user: psql's unaligned, tuples-only output, trimmed. */
export async function psql(container: string, sql: string): Promise<string> {
  return (await execIn(container, psqlCommand(sql))).stdout.toString().trim();
}

/** The psql command line of `psql()`, for running it through another engine's CLI. */
export function psqlCommand(sql: string): string[] {
  return ['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-U', 'shop', '-d', 'shop', '-c', sql];
}
