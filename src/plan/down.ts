import { CONFIG_LABEL, LABEL } from '../engine/labels.js';
import type { ContainerInfo, ContainerState, NetworkInfo, VolumeInfo } from '../engine/port.js';
import type { ServiceSpec, Spec } from '../spec/model.js';
import { startOrder } from '../spec/start-order.js';
import { deployIdOf, isActive, isRenamedAside, isUnmanaged, projectOf, roleOf } from './live.js';
import { nameProtection, protectionOf } from './protection.js';

/**
 * `deployctl down` as plain data: which containers it stops and removes, in which order, and
 * what it leaves untouched, with a reason for each. Pure: the executor (src/down/) only runs it.
 *
 * App containers of this project (every generation: live, kept, unproven) are stopped and
 * removed; with `includeInfra` the spec's infra containers deployctl created are stopped, never
 * removed. Nothing else is ever acted on: volumes, networks, dirs, unmanaged containers, other
 * projects' containers, anything protected by name (cleanup.protect, infra names), infra no
 * longer in the spec, the state store and the lock.
 */

export const DOWN_DEFAULT_GRACE_MS = 10_000;

/** The live state down is planned from (see src/down/observe.ts). */
export interface DownObserved {
  /** Containers labelled with the project, plus any whose name is an infra name, a protect match or looks like an app's. */
  containers: ContainerInfo[];
  volumes: VolumeInfo[];
  networks: NetworkInfo[];
  /** infra.dirs key -> whether the host directory exists. */
  dirs: Record<string, boolean>;
}

/** `remove`: an app container, stopped first when it runs. `stop`: an infra container, kept. */
export type DownActionKind = 'remove' | 'stop';

export type DownReason =
  | 'app_generation' // an app container of this project (any generation)
  | 'infra_stop'; // an infra container of the spec, --include-infra

export interface DownAction {
  kind: DownActionKind;
  role: 'app' | 'infra';
  name: string;
  id: string;
  service?: string;
  deployId?: string;
  /** The state when planned: only an active container is stopped. */
  state: ContainerState;
  /** How long a stop waits before the engine kills (the service's stop_grace_period). */
  graceMs: number;
  /** Actions of one wave run together; waves run in order (apps before infra, dependents first). */
  wave: number;
  reason: DownReason;
  detail: string;
}

export type UntouchedReason =
  | 'infra' // an infra container, without --include-infra
  | 'infra_stopped' // an infra container that is already stopped
  | 'removed_from_spec' // labelled role=infra by this project but no longer in the spec
  | 'protected' // protected by name: cleanup.protect, an infra name, a renamed-aside infra copy
  | 'unmanaged' // no deployctl project label: created by hand or by another tool
  | 'other_project' // another deployctl project's container
  | 'state_store' // this project's revision history and events
  | 'unknown_role' // labelled with this project but with no role deployctl knows
  | 'volume'
  | 'network'
  | 'dir';

export interface Untouched {
  resource: 'container' | 'volume' | 'network' | 'dir';
  name: string;
  reason: UntouchedReason;
  detail: string;
}

export interface DownPlan {
  project: string;
  includeInfra: boolean;
  /** In execution order: by wave, then name. */
  actions: DownAction[];
  untouched: Untouched[];
}

export interface DownInput {
  spec: Spec;
  observed: DownObserved;
  includeInfra: boolean;
}

/** Plans `deployctl down`. */
export function planDown({ spec, observed, includeInfra }: DownInput): DownPlan {
  const appWaves = reverseWaves(spec.apps.services);
  const infraWaves = reverseWaves(spec.infra.services);
  const appWaveCount = Math.max(...appWaves.values(), 0) + 1;
  const actions: DownAction[] = [];
  const untouched: Untouched[] = [];
  const keep = (c: ContainerInfo, reason: UntouchedReason, detail: string): void => {
    untouched.push({ resource: 'container', name: c.name, reason, detail });
  };

  for (const c of observed.containers) {
    const role = roleOf(c);
    if (role === 'lock') continue; // this run's own lock (or a dead run's, taken over): not a resource
    if (isUnmanaged(c)) {
      const why = nameProtection(c.name, spec);
      keep(c, why.protected ? 'protected' : 'unmanaged', unmanagedDetail(c, why.why));
      continue;
    }
    if (projectOf(c) !== spec.project) {
      keep(c, 'other_project', `belongs to project ${projectOf(c) ?? '?'}: never touched`);
      continue;
    }
    if (role === 'state') {
      keep(c, 'state_store', "deployctl's revision history and events of this project: kept");
      continue;
    }
    if (role === 'app') {
      const byName = nameProtection(c.name, spec);
      if (byName.protected) {
        keep(c, 'protected', `protected (${byName.why ?? 'by name'}): never touched`);
        continue;
      }
      const service = c.labels[LABEL.service];
      const deployId = deployIdOf(c);
      actions.push({
        kind: 'remove',
        role: 'app',
        name: c.name,
        id: c.id,
        ...(service ? { service } : {}),
        ...(deployId ? { deployId } : {}),
        state: c.state,
        graceMs: graceOf(
          c,
          spec.apps.services.find((s) => s.name === service),
        ),
        wave: service === undefined ? 0 : (appWaves.get(service) ?? 0),
        reason: 'app_generation',
        detail: `${isActive(c.state) ? 'stop and remove' : 'remove'} app container${
          deployId ? ` of generation ${deployId}` : ''
        }`,
      });
      continue;
    }
    if (role === 'infra') {
      planInfra(c, spec, includeInfra, appWaveCount, infraWaves, actions, keep);
      continue;
    }
    keep(
      c,
      'unknown_role',
      `labelled with project ${spec.project} but with no role deployctl knows: never touched`,
    );
  }

  untouched.push(...dataUntouched(spec, observed));
  return {
    project: spec.project,
    includeInfra,
    actions: actions.sort((a, b) => a.wave - b.wave || compare(a.name, b.name)),
    untouched: untouched.sort(
      (a, b) => RESOURCES.indexOf(a.resource) - RESOURCES.indexOf(b.resource) || compare(a.name, b.name),
    ),
  };
}

/** Whether down has anything to do. */
export function hasDownWork(plan: DownPlan): boolean {
  return plan.actions.length > 0;
}

function planInfra(
  c: ContainerInfo,
  spec: Spec,
  includeInfra: boolean,
  firstWave: number,
  waves: Map<string, number>,
  actions: DownAction[],
  keep: (c: ContainerInfo, reason: UntouchedReason, detail: string) => void,
): void {
  const service = spec.infra.services.find((s) => s.containerName === c.name);
  if (isRenamedAside(c)) {
    keep(
      c,
      'protected',
      'a copy left aside by an interrupted --replace, maybe the only one holding data: never touched',
    );
    return;
  }
  if (!service || c.labels[LABEL.service] !== service.name) {
    // Protected by its label (src/plan/protection.ts): deleting the YAML entry deletes nothing.
    const why = protectionOf(c, spec).why ?? `labelled ${LABEL.role}=infra`;
    keep(
      c,
      'removed_from_spec',
      `infra no longer in the spec (protected: ${why}): never touched, remove it by hand`,
    );
    return;
  }
  if (!includeInfra) {
    keep(
      c,
      'infra',
      `infra service "${service.name}": left ${c.state} (--include-infra stops it, never removes it)`,
    );
    return;
  }
  if (!isActive(c.state)) {
    keep(c, 'infra_stopped', `infra service "${service.name}": already ${c.state}, kept`);
    return;
  }
  actions.push({
    kind: 'stop',
    role: 'infra',
    name: c.name,
    id: c.id,
    service: service.name,
    state: c.state,
    graceMs: graceOf(c, service),
    wave: firstWave + (waves.get(service.name) ?? 0),
    reason: 'infra_stop',
    detail: `stop infra service "${service.name}" (kept: \`deployctl apply\` starts it again)`,
  });
}

function unmanagedDetail(c: ContainerInfo, protectedWhy: string | undefined): string {
  if (protectedWhy) return `not created by deployctl, protected (${protectedWhy}): never touched`;
  return `not created by deployctl${roleOf(c) === 'infra' ? '' : ' (no project label)'}: never touched`;
}

/** Dependents first: the last start level stops in wave 0. */
function reverseWaves(services: ServiceSpec[]): Map<string, number> {
  const levels = startOrder(services).reverse();
  const waves = new Map<string, number>();
  levels.forEach((level, i) => level.forEach((name) => waves.set(name, i)));
  return waves;
}

/**
 * The stop grace period: the spec's, else the one the container was created with (its stored
 * definition), else Compose's default of 10 s.
 */
function graceOf(c: ContainerInfo, service: ServiceSpec | undefined): number {
  if (service) return service.stopGracePeriodMs;
  try {
    const stored = JSON.parse(c.labels[CONFIG_LABEL] ?? '{}') as { stopGracePeriodMs?: unknown };
    if (typeof stored.stopGracePeriodMs === 'number' && stored.stopGracePeriodMs >= 0)
      return stored.stopGracePeriodMs;
  } catch {
    // a label someone edited by hand: fall back to the default
  }
  return DOWN_DEFAULT_GRACE_MS;
}

const RESOURCES: Untouched['resource'][] = ['container', 'volume', 'network', 'dir'];

/** The spec's volumes, networks and dirs that exist, and this project's labelled ones. */
function dataUntouched(spec: Spec, observed: DownObserved): Untouched[] {
  const out: Untouched[] = [];
  const ours = (labels: Record<string, string>): boolean => labels[LABEL.project] === spec.project;
  for (const v of observed.volumes) {
    if (spec.infra.volumes.some((s) => s.name === v.name) || ours(v.labels))
      out.push({ resource: 'volume', name: v.name, reason: 'volume', detail: 'volume: never touched' });
  }
  for (const n of observed.networks) {
    if (spec.infra.networks.some((s) => s.name === n.name) || ours(n.labels))
      out.push({ resource: 'network', name: n.name, reason: 'network', detail: 'network: never touched' });
  }
  for (const d of spec.infra.dirs) {
    if (observed.dirs[d.name])
      out.push({ resource: 'dir', name: d.name, reason: 'dir', detail: `dir ${d.path}: never touched` });
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
