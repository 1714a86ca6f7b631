/**
 * vitest globalSetup for the e2e project: makes sure a Docker engine answers and the fixture
 * images exist (both scripts are idempotent and fast when nothing is missing), then sweeps up
 * what crashed earlier runs left behind.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Older than this, an e2e object cannot belong to a run still in progress (tests time out sooner). */
const STALE_MS = 30 * 60 * 1000;

function runScript(script: string): void {
  const res = spawnSync('bash', [script], { cwd: repoRoot, stdio: 'inherit' });
  if (res.status !== 0) {
    const how = res.error
      ? res.error.message
      : res.signal
        ? `signal ${res.signal}`
        : `exit code ${res.status}`;
    throw new Error(
      `e2e setup: \`bash ${script}\` failed (${how}); the e2e tests need a Docker engine and the fixture images. See its output above.`,
    );
  }
}

const isE2eProject = (labels: Record<string, string> | undefined): boolean =>
  Boolean(labels?.['deployctl-e2e'] !== undefined || labels?.['deployctl.project']?.startsWith('e2e_'));

function ignore404(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode !== 404) throw err;
}

/**
 * Removes containers, volumes and networks of e2e projects (labelled `deployctl-e2e`, or a
 * `deployctl.project` starting with `e2e_`, which covers lock containers) created more than
 * 30 minutes ago. Younger ones may belong to a run going on in parallel, so they stay.
 */
export async function sweepLeftovers(docker: Docker, staleMs = STALE_MS): Promise<number> {
  const cutoff = Date.now() - staleMs;
  let removed = 0;
  const containers = await docker.listContainers({ all: true, filters: { label: ['deployctl.project'] } });
  const marked = await docker.listContainers({ all: true, filters: { label: ['deployctl-e2e'] } });
  const seen = new Set<string>();
  for (const c of [...containers, ...marked]) {
    if (seen.has(c.Id) || !isE2eProject(c.Labels) || c.Created * 1000 > cutoff) continue;
    seen.add(c.Id);
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignore404);
    removed++;
  }
  const { Volumes } = await docker.listVolumes();
  for (const v of Volumes ?? []) {
    const created = Date.parse((v as { CreatedAt?: string }).CreatedAt ?? '');
    if (!isE2eProject(v.Labels ?? undefined) || !(created < cutoff)) continue;
    await docker
      .getVolume(v.Name)
      .remove()
      .catch((err: unknown) => {
        // 409: still used by a container of a run in progress; leave it.
        if ((err as { statusCode?: number }).statusCode !== 409) ignore404(err);
      });
    removed++;
  }
  for (const n of await docker.listNetworks()) {
    if (!isE2eProject(n.Labels) || !(Date.parse(n.Created) < cutoff)) continue;
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch((err: unknown) => {
        if (
          (err as { statusCode?: number }).statusCode !== 403 &&
          (err as { statusCode?: number }).statusCode !== 409
        )
          ignore404(err);
      });
    removed++;
  }
  return removed;
}

export default async function setup(): Promise<void> {
  runScript('scripts/ensure-engine.sh');
  runScript('scripts/build-fixtures.sh');
  const removed = await sweepLeftovers(new Docker());
  if (removed > 0)
    console.error(
      `e2e setup: removed ${removed} leftover object(s) of earlier e2e runs older than 30 minutes`,
    );
}
