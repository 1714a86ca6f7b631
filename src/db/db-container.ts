import { DeployctlError, InterruptedError } from '../errors.js';
import { containerDefinition } from '../apply/container-definition.js';
import { LABEL } from '../engine/labels.js';
import { waitHealthy } from '../apply/wait-healthy.js';
import type { ContainerDetail, Engine } from '../engine/port.js';
import type { Spec } from '../spec/model.js';
import type { Clock } from '../util/clock.js';
import { formatDuration } from '../util/clock.js';
import { pgIsReadyCommand } from './pg-commands.js';
import type { DbTarget } from './target.js';

/** What step 2 of restore-db has to do to get a healthy database container. */
export type DbContainerPlan =
  | { kind: 'running'; detail: ContainerDetail }
  | { kind: 'start'; detail: ContainerDetail }
  | { kind: 'recreate' };

/**
 * Looks, without changing anything, at what the database container needs. A lost container
 * can only come back on the volumes it had: a missing volume means the data is gone, and
 * creating an empty one silently (the engine would) must never look like a recovery.
 */
export async function planDbContainer(
  engine: Engine,
  spec: Spec,
  target: DbTarget,
): Promise<DbContainerPlan> {
  const detail = await engine.inspectContainer(target.container);
  if (detail?.state === 'running') return { kind: 'running', detail };
  if (detail?.state === 'paused') {
    throw new DeployctlError(
      'RESTORE_FAILED',
      `the database container ${target.container} is paused; nothing was changed. Resume it with \`docker unpause ${target.container}\` and re-run.`,
    );
  }
  await refuseSharedVolume(engine, spec, target);
  if (detail) return { kind: 'start', detail };
  const [volumes, networks] = await Promise.all([engine.listVolumes(), engine.listNetworks()]);
  const haveVolumes = new Set(volumes.map((v) => v.name));
  const missing = target.volumes.filter((v) => !haveVolumes.has(v));
  if (missing.length > 0) throw missingVolumeError(spec, target, missing);
  const haveNetworks = new Set(networks.map((n) => n.name));
  const missingNets = target.service.networks.filter((n) => !haveNetworks.has(n));
  if (missingNets.length > 0) {
    throw new DeployctlError(
      'RESTORE_FAILED',
      `the database container ${target.container} is gone and so is its network ${missingNets.join(', ')}; nothing was changed. ` +
        `Run \`deployctl apply -f ${spec.file}\` first (it recreates missing networks, and the database container on its volume ${target.volumes.join(', ') || '(none)'}), then re-run restore-db.`,
    );
  }
  return { kind: 'recreate' };
}

/**
 * Step 2: starts a stopped database container, or recreates a lost one from the spec on the
 * same volumes and labelled exactly as apply makes it; then waits until it is healthy and
 * Postgres accepts connections.
 */
export async function ensureDbContainer(
  engine: Engine,
  spec: Spec,
  target: DbTarget,
  plan: DbContainerPlan,
  clock: Clock,
  update: (text: string) => void,
  signal?: AbortSignal,
  onRecreated?: () => void,
): Promise<string> {
  const service = target.service;
  let outcome = 'running';
  if (plan.kind === 'start') {
    update(`starting ${target.container}`);
    await engine.startContainer(plan.detail.id);
    outcome = `started (was ${plan.detail.state})`;
  } else if (plan.kind === 'recreate') {
    const imageId = await localImage(engine, service.image, service.pullPolicy, update);
    update(`recreating ${target.container} on volume ${target.volumes.join(', ')}`);
    // Infra containers carry no deploy id; the definition is apply's own.
    const id = await engine.createContainer(containerDefinition(service, spec, '', imageId));
    onRecreated?.();
    await engine.startContainer(id);
    outcome = `recreated from the spec on volume ${target.volumes.join(', ') || '(none)'}`;
  }
  // A running container its healthcheck already calls healthy needs no more waiting; one
  // without a healthcheck is asked directly (waitHealthy would only watch it run a while).
  if (plan.kind === 'running' && plan.detail.health === 'healthy') return 'running, healthy';
  if (plan.kind !== 'running' || plan.detail.health !== undefined) {
    update(`waiting for ${target.container} to be healthy`);
    await waitHealthy(
      engine,
      { container: target.container, service: service.name, timeoutMs: service.waitTimeoutMs },
      clock,
      signal,
    );
  }
  await waitAcceptingConnections(engine, target, clock, service.waitTimeoutMs, signal);
  return `${outcome}, healthy`;
}

async function localImage(
  engine: Engine,
  ref: string,
  pullPolicy: string,
  update: (text: string) => void,
): Promise<string> {
  const found = await engine.inspectImage(ref);
  if (found) return found.id;
  if (pullPolicy === 'never') {
    throw new DeployctlError(
      'IMAGE_UNAVAILABLE',
      `the database container must be recreated but its image ${ref} is not on this engine and pull_policy is never; nothing was changed. Pull or load the image, then re-run.`,
    );
  }
  update(`pulling ${ref}`);
  await engine.pullImage(ref);
  const pulled = await engine.inspectImage(ref);
  if (!pulled)
    throw new DeployctlError(
      'IMAGE_UNAVAILABLE',
      `pulled ${ref} but the engine does not list it; nothing was changed. Check \`docker images\`, then re-run.`,
    );
  return pulled.id;
}

/** A healthcheck may be missing or looser than "accepts connections": ask Postgres itself. */
async function waitAcceptingConnections(
  engine: Engine,
  target: DbTarget,
  clock: Clock,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted)
      throw new InterruptedError(`interrupted while waiting for ${target.container} to accept connections`);
    const res = await engine.exec(target.container, pgIsReadyCommand(target), { env: target.env, signal });
    if (res.exitCode === 0) return;
    if (clock.now() >= deadline) {
      throw new DeployctlError(
        'RESTORE_FAILED',
        `the database in ${target.container} did not accept connections within ${formatDuration(timeoutMs)} (pg_isready: ${res.stdout.trim() || res.stderr.trim() || `exit ${res.exitCode}`}). ` +
          'The database was not restored and the apps were not touched. Check `docker logs ' +
          target.container +
          '`, then re-run.',
      );
    }
    await clock.sleep(500, signal);
  }
}

/**
 * Two Postgres servers on one data directory corrupt it: a database container is never
 * started or recreated while another running container (an old copy after a container_name
 * change, a legacy one) still mounts its volume. Same rule as apply's planner.
 */
async function refuseSharedVolume(engine: Engine, spec: Spec, target: DbTarget): Promise<void> {
  if (target.volumes.length === 0) return;
  const users = (await engine.listContainers({ volumes: target.volumes })).filter(
    (c) =>
      c.name !== target.container &&
      (c.state === 'running' || c.state === 'restarting' || c.state === 'paused') &&
      !(c.labels[LABEL.project] === spec.project && c.labels[LABEL.role] === 'app'),
  );
  const [user] = users;
  if (!user) return;
  const volume = target.volumes.find((v) => user.volumeNames.includes(v)) ?? target.volumes.join(', ');
  throw new DeployctlError(
    'RESTORE_FAILED',
    `the database container ${target.container} is not running and would come up on volume ${volume}, which running container ${user.name} uses too; ` +
      `two database servers on one data directory corrupt it, so restore-db refuses and nothing was changed. ` +
      `If ${user.name} is an old copy of this database, stop it by hand (\`docker stop ${user.name}\`) and re-run.`,
    { data: { container: target.container, volume, usedBy: user.name } },
  );
}

function missingVolumeError(spec: Spec, target: DbTarget, missing: string[]): DeployctlError {
  const external = missing.filter((m) => spec.infra.volumes.find((v) => v.name === m)?.external);
  const create = missing
    .map((m) =>
      external.includes(m)
        ? `\`docker volume create ${m}\``
        : `\`deployctl apply -f ${spec.file}\` (it creates ${m})`,
    )
    .join(' and ');
  return new DeployctlError(
    'RESTORE_FAILED',
    `the database container ${target.container} is gone and so is its volume ${missing.join(', ')}: the data that lived there is gone with it, and restore-db never swaps in a new volume by itself. Nothing was changed. ` +
      `To restore into an empty database, create the volume with ${create}, then re-run this restore-db: it will recreate ${target.container} on it and load the dump.`,
    { data: { container: target.container, missingVolumes: missing } },
  );
}
