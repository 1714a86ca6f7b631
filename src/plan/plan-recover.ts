import type { ContainerInfo } from '../engine/port.js';
import { LABEL } from '../engine/labels.js';
import type { ServiceSpec, Spec } from '../spec/model.js';
import {
  deployIdOf,
  generationsNewestFirst,
  isActive,
  isOwned,
  isRenamedAside,
  isStopped,
  isUnmanaged,
  localImageId,
  projectOf,
  roleOf,
} from './live.js';
import type { ObservedState } from './observed.js';
import { protectionOf } from './protection.js';
import { isProven } from './unproven.js';

/**
 * `deployctl recover`, planned: what should run (the live revision's app generation plus the
 * spec's infrastructure) against what the engine has after a restart. Pure: the same inputs give
 * the same plan. Recover only ever starts, recreates what is lost, or stops a retired generation
 * that came back by itself; protection is derived here from the live objects, never from a flag.
 */

/** One app container of the generation that should serve. */
export interface RecoverApp {
  service: string;
  container: string;
  image: string;
  imageId?: string;
  configHash?: string;
}

/** What should serve: learned from the ledger, or (without one) from live labels. */
export interface RecoverTarget {
  source: 'ledger' | 'labels';
  /** The live revision's number, when the ledger named it. */
  revision?: number;
  /** Undefined: no app generation should run (never deployed, or `down`). */
  deployId?: string;
  apps: RecoverApp[];
  /** Why the live generation is unknown, when it cannot be told: reported as an error. */
  unknown?: string;
}

export type RecoverStep =
  | {
      kind: 'start';
      role: 'infra' | 'app';
      service: string;
      container: string;
      id: string;
      why: string;
    }
  | {
      kind: 'recreate';
      role: 'infra' | 'app';
      service: string;
      container: string;
      imageId: string;
      why: string;
    }
  /** Already running but not yet healthy: only waited on. */
  | { kind: 'wait'; role: 'infra' | 'app'; service: string; container: string; id: string; why: string }
  /** A retired generation that came back by itself (restart policy): stopped again. */
  | { kind: 'stop'; role: 'app'; service: string; container: string; id: string; why: string };

export interface RecoverEntry {
  /** The container (or, for the generation as a whole, `apps`). */
  resource: string;
  role: 'infra' | 'app';
  service?: string;
  why: string;
}

export interface RecoverPlan {
  project: string;
  target: RecoverTarget;
  steps: RecoverStep[];
  /** Already as they should be. */
  skipped: RecoverEntry[];
  /** What recover cannot bring back, each with what to do. */
  errors: RecoverEntry[];
}

/** Whether running the plan would change anything. */
export function hasRecoverSteps(plan: RecoverPlan): boolean {
  return plan.steps.length > 0;
}

export function planRecover(spec: Spec, observed: ObservedState, target: RecoverTarget): RecoverPlan {
  const plan: RecoverPlan = { project: spec.project, target, steps: [], skipped: [], errors: [] };
  for (const service of spec.infra.services) planInfra(plan, spec, observed, service);
  if (target.unknown) plan.errors.push({ resource: 'apps', role: 'app', why: target.unknown });
  if (target.deployId !== undefined) {
    for (const app of target.apps) planApp(plan, spec, observed, target.deployId, app);
    planRetired(plan, spec, observed, target.deployId);
  }
  return plan;
}

function named(observed: ObservedState, name: string): ContainerInfo | undefined {
  return observed.containers.find((c) => c.name === name);
}

function planInfra(plan: RecoverPlan, spec: Spec, observed: ObservedState, service: ServiceSpec): void {
  const name = service.containerName ?? service.name;
  const base = { role: 'infra' as const, service: service.name, container: name };
  const error = (why: string) =>
    plan.errors.push({ resource: name, role: 'infra', service: service.name, why });
  const live = named(observed, name);
  if (!live) {
    const missing = missingForRecreate(spec, observed, service);
    if (missing) return void error(missing);
    const imageId = localImageId(observed.images, service.image);
    if (!imageId)
      return void error(
        `is gone and its image ${service.image} is not on this engine; nothing was created. Run \`deployctl apply\` (it pulls the image and creates ${name} on its same volumes).`,
      );
    plan.steps.push({
      ...base,
      kind: 'recreate',
      imageId,
      why: 'lost: recreated from the spec on its same volumes',
    });
    return;
  }
  const mine = isOwned(live, spec.project, 'infra') || isUnmanaged(live);
  if (!mine) {
    return void error(
      `is held by ${projectOf(live) === spec.project ? `this project's ${roleOf(live) ?? 'unlabelled'} container` : `project ${projectOf(live) ?? '?'}`}; it was not touched. Rename or remove that container by hand.`,
    );
  }
  planExisting(plan, live, base, error, () => sharedVolumeUser(spec, observed, live, service));
}

/** A stopped, starting or running container of what should run. */
function planExisting(
  plan: RecoverPlan,
  live: ContainerInfo,
  base: { role: 'infra' | 'app'; service: string; container: string },
  error: (why: string) => void,
  sharing: () => string | undefined,
): void {
  if (live.state === 'paused')
    return void error(`is paused; it was not touched. Resume it with \`docker unpause ${live.name}\`.`);
  if (isStopped(live.state)) {
    const user = sharing();
    if (user) return void error(user);
    plan.steps.push({ ...base, kind: 'start', id: live.id, why: `was ${live.state}: started` });
    return;
  }
  if (live.health === 'unhealthy')
    return void error(
      `runs but its healthcheck says unhealthy; recover does not recreate a running container. Check \`docker logs ${live.name}\`.`,
    );
  // Running but not proven: `starting`, unless apply's gate already passed the same check in it
  // (health-proof.ts), which plan and status count as proven too.
  if (live.state === 'restarting' || (live.state === 'running' && !isProven(live))) {
    plan.steps.push({ ...base, kind: 'wait', id: live.id, why: 'running, waited until healthy' });
    return;
  }
  plan.skipped.push({
    resource: live.name,
    role: base.role,
    service: base.service,
    why: live.health === 'healthy' ? 'running and healthy' : 'running',
  });
}

/** What a lost infra container cannot come back without; undefined when everything is there. */
function missingForRecreate(spec: Spec, observed: ObservedState, service: ServiceSpec): string | undefined {
  const name = service.containerName ?? service.name;
  const volumes = new Set(observed.volumes.map((v) => v.name));
  const lostVolumes = service.mounts.flatMap((m) =>
    m.type === 'volume' && !volumes.has(m.name) ? [m.name] : [],
  );
  if (lostVolumes.length > 0) {
    const external = lostVolumes.filter((v) => spec.infra.volumes.find((x) => x.name === v)?.external);
    return (
      `is gone and so is its volume ${lostVolumes.join(', ')}: the data that lived there is gone with it, and recover never creates an empty volume in its place. Nothing was created. ` +
      (external.length > 0
        ? `Create ${external.join(', ')} (\`docker volume create\`) and restore the data (\`deployctl restore-db\`), then re-run recover.`
        : `If starting empty is what you want, run \`deployctl apply\` (it creates the volume and ${name}).`)
    );
  }
  const networks = new Set(observed.networks.map((n) => n.name));
  const lostNets = service.networks.filter((n) => !networks.has(n));
  if (lostNets.length > 0)
    return `is gone and so is its network ${lostNets.join(', ')}; nothing was created. Run \`deployctl apply\` (it creates missing networks and ${name} on its same volumes).`;
  const lostDirs = service.mounts.flatMap((m) =>
    m.type === 'dir' && observed.dirs[m.dir] === false ? [m.dir] : [],
  );
  if (lostDirs.length > 0)
    return `is gone and so is its host directory ${lostDirs.join(', ')}; nothing was created. Run \`deployctl apply\` (it creates missing dirs and ${name}).`;
  return undefined;
}

/**
 * Two database servers on one data directory corrupt it: an infra container is not started or
 * recreated while another running container (an old copy, a legacy one) mounts its volume.
 */
function sharedVolumeUser(
  spec: Spec,
  observed: ObservedState,
  self: ContainerInfo | undefined,
  service: ServiceSpec,
): string | undefined {
  const wanted = service.mounts.flatMap((m) => (m.type === 'volume' ? [m.name] : []));
  const user = observed.containers.find(
    (c) =>
      c.id !== self?.id &&
      isActive(c.state) &&
      !isOwned(c, spec.project, 'app') &&
      c.volumeNames.some((v) => wanted.includes(v)),
  );
  if (!user) return undefined;
  return `was not started: its volume ${wanted.find((v) => user.volumeNames.includes(v)) ?? ''} is used by running container ${user.name}, and two servers on one data directory corrupt it. Stop ${user.name} by hand if it is an old copy, then re-run recover.`;
}

function planApp(
  plan: RecoverPlan,
  spec: Spec,
  observed: ObservedState,
  deployId: string,
  app: RecoverApp,
): void {
  const base = { role: 'app' as const, service: app.service, container: app.container };
  const error = (why: string) =>
    plan.errors.push({ resource: app.container, role: 'app', service: app.service, why });
  const live = named(observed, app.container);
  if (live) {
    const protection = protectionOf(live, spec);
    if (!isOwned(live, spec.project, 'app') || deployIdOf(live) !== deployId || protection.protected) {
      return void error(
        `is not this project's app container of generation ${deployId}${protection.protected ? ` (protected: ${protection.why ?? ''})` : ''}; it was not touched.`,
      );
    }
    return planExisting(plan, live, base, error, () => undefined);
  }
  const service = spec.apps.services.find((s) => s.name === app.service);
  const next = `Run \`deployctl apply\` to deploy the spec, or \`deployctl rollback\` to put a kept generation back.`;
  if (!service)
    return void error(
      `is gone and service ${app.service} is no longer in the spec, so it cannot be recreated. ${next}`,
    );
  if (app.configHash === undefined)
    return void error(
      `is gone and no record says how generation ${deployId} configured it, so it cannot be recreated safely. ${next}`,
    );
  if (service.configHash !== app.configHash)
    return void error(
      `is gone, and the spec's ${app.service} is no longer the configuration generation ${deployId} ran, so it is not recreated from it. ${next}`,
    );
  const imageId = localImageId(observed.images, service.image);
  if (!imageId || (app.imageId !== undefined && imageId !== app.imageId))
    return void error(
      `is gone and the image it ran (${app.imageId ?? app.image}) is not what ${service.image} is on this engine now. ${next}`,
    );
  plan.steps.push({
    ...base,
    kind: 'recreate',
    imageId,
    why: `lost: recreated from the spec (same configuration as generation ${deployId})`,
  });
}

/** Older generations are kept stopped for rollback; one that came back by itself is stopped again. */
function planRetired(plan: RecoverPlan, spec: Spec, observed: ObservedState, deployId: string): void {
  const apps = observed.containers.filter(
    (c) => isOwned(c, spec.project, 'app') && !isRenamedAside(c) && deployIdOf(c) !== deployId,
  );
  for (const gen of generationsNewestFirst(apps)) {
    for (const c of gen.containers) {
      if (!isActive(c.state) || c.state === 'paused' || protectionOf(c, spec).protected) continue;
      plan.steps.push({
        kind: 'stop',
        role: 'app',
        service: c.labels[LABEL.service] ?? '?',
        container: c.name,
        id: c.id,
        why: `retired generation ${gen.deployId} came back by itself after the restart: stopped again (kept for rollback)`,
      });
    }
  }
}

/**
 * Without a ledger: the generation live labels mark as serving, i.e. the only one with a
 * running container. When none or several run, which one served cannot be told, and recover
 * says so instead of guessing (it never starts a generation on a guess).
 */
export function targetFromLabels(spec: Spec, observed: ObservedState, why: string): RecoverTarget {
  const apps = observed.containers.filter((c) => isOwned(c, spec.project, 'app') && !isRenamedAside(c));
  if (apps.length === 0) return { source: 'labels', apps: [] };
  const active = generationsNewestFirst(apps).filter((g) => g.containers.some((c) => isActive(c.state)));
  if (active.length !== 1) {
    return {
      source: 'labels',
      apps: [],
      unknown:
        `${why}, and ${active.length === 0 ? 'no app generation is running' : `${active.length} app generations are running`}, so which one should serve cannot be told; no app container was started or stopped. ` +
        'Run `deployctl apply` (or `deployctl rollback DEPLOY_ID`) to choose.',
    };
  }
  const gen = active[0]!;
  return {
    source: 'labels',
    deployId: gen.deployId,
    apps: gen.containers.map((c) => ({
      service: c.labels[LABEL.service] ?? '?',
      container: c.name,
      image: c.image,
      imageId: c.imageId,
      configHash: c.labels[LABEL.configHash],
    })),
  };
}
