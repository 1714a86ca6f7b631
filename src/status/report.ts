/**
 * `deployctl status`: a pure report from what the engine shows (one list of containers, the
 * spec's local images, one inspect per reported container) and the spec. Drift is the plan's own
 * comparison (plan/compare.ts), protection the plan's own rules (plan/protection.ts); nothing
 * here decides anything, and nothing is ever acted on.
 */
import { LABEL } from '../engine/labels.js';
import type { ContainerDetail, ContainerInfo, ImageInfo, PublishedPort } from '../engine/port.js';
import type { FieldChange } from '../plan/actions.js';
import { compareManaged, compareUnmanaged, type CompareContext } from '../plan/compare.js';
import {
  deployIdOf,
  generationsNewestFirst,
  isOwned,
  isRenamedAside,
  isUnmanaged,
  projectOf,
  roleOf,
  type Generation,
} from '../plan/live.js';
import { matchesGlob, protectionOf } from '../plan/protection.js';
import { isProven } from '../plan/unproven.js';
import { appContainerName, type ServiceSpec, type Spec } from '../spec/model.js';

export const STATUS_FORMAT_VERSION = 1;

export type RowState = ContainerInfo['state'] | 'missing';

export interface StatusRow {
  service: string;
  role: 'infra' | 'app';
  /** The container's name; for a missing one, the name it should have. */
  container: string;
  container_id: string | null;
  /** The app generation (deploy id); null for infra. */
  generation: string | null;
  state: RowState;
  /** null: no healthcheck, or not running. */
  health: 'starting' | 'healthy' | 'unhealthy' | null;
  /** The last probe's output, when the container is not healthy and the engine kept one. */
  health_output?: string;
  /**
   * Health is still `starting` (the engine has not run its first check) but apply ran the same
   * check in it and recorded the pass: counted as ok, as the plan counts it proven.
   */
  health_probed?: true;
  exit_code?: number;
  started_at: string | null;
  uptime_s: number | null;
  ports: { host_ip: string; host_port: number; container_port: number; protocol: string }[];
  /** The plan's comparison with the spec; empty when the container runs the spec as written. */
  drift: { field: string; before?: string; after?: string; sensitive: boolean }[];
  drift_summary: string | null;
  protected: boolean;
  /** Running, and healthy when it has a healthcheck (or passed apply's own run of it, see health_probed). */
  ok: boolean;
  /** Why not ok, as a phrase; absent when ok. */
  problem?: string;
}

export interface KeptGeneration {
  deploy_id: string;
  created_at: string;
  containers: { name: string; service: string | null; state: string }[];
}

export interface Orphan {
  container: string;
  id: string;
  state: string;
  /** Carries this project's label (true), or only a name that looks like one of its apps (false). */
  labelled: boolean;
  why: string;
  protected: boolean;
}

export interface StatusReport {
  v: typeof STATUS_FORMAT_VERSION;
  project: string;
  /** All infra and the live generation running and healthy: exit 0. */
  ok: boolean;
  live_generation: string | null;
  services: StatusRow[];
  kept_generations: KeptGeneration[];
  orphans: Orphan[];
  /** One line per row that is not ok, e.g. `db: exited (exit code 0)`. */
  problems: string[];
}

export interface StatusInput {
  spec: Spec;
  /** Every container listed for the project: its label, infra names and app-like names. */
  containers: ContainerInfo[];
  images: ImageInfo[];
  /** Inspect results of the containers named by `reportedContainers`, by id. */
  details: Map<string, ContainerDetail>;
  now: number;
}

/** The app generation that serves: the newest one still running (plan/live.ts's order). */
export function liveGeneration(spec: Spec, containers: ContainerInfo[]): Generation | undefined {
  return generationsNewestFirst(appMembers(spec, containers))[0];
}

/** The containers the report shows a row for (and so inspects): infra by name, the live generation. */
export function reportedContainers(spec: Spec, containers: ContainerInfo[]): ContainerInfo[] {
  const infraNames = new Set(spec.infra.services.map(infraName));
  const infra = containers.filter((c) => infraNames.has(c.name));
  return [...infra, ...(liveGeneration(spec, containers)?.containers ?? [])];
}

export function buildStatusReport(input: StatusInput): StatusReport {
  const { spec, containers, now } = input;
  const cmp: CompareContext = {
    project: spec.project,
    images: input.images,
    sensitiveValues: spec.sensitiveValues,
  };
  const live = liveGeneration(spec, containers);
  const liveIds = new Set((live?.containers ?? []).map((c) => c.id));
  const services: StatusRow[] = [];
  const shown = new Set<string>();

  for (const service of spec.infra.services) {
    const name = infraName(service);
    const c = containers.find((x) => x.name === name);
    if (c) shown.add(c.id);
    services.push(row(service, 'infra', name, null, c, input.details, cmp, spec, now));
  }
  for (const service of spec.apps.services) {
    const name = live
      ? appContainerName(spec.project, service.name, live.deployId)
      : `${spec.project}_${service.name}`;
    const c = live?.containers.find((x) => x.name === name);
    if (c) shown.add(c.id);
    services.push(row(service, 'app', name, live?.deployId ?? null, c, input.details, cmp, spec, now));
  }
  // Live containers of a service the spec no longer names: shown, and they count as problems.
  for (const c of live?.containers ?? []) {
    if (shown.has(c.id)) continue;
    shown.add(c.id);
    services.push(leftRow(c, input.details.get(c.id), spec, now));
  }

  const kept = generationsNewestFirst(appMembers(spec, containers))
    .filter((g) => g.deployId !== live?.deployId)
    .map((g) => ({
      deploy_id: g.deployId,
      created_at: new Date(g.newest).toISOString(),
      containers: g.containers
        .map((c) => ({ name: c.name, service: c.labels[LABEL.service] ?? null, state: c.state }))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
    }));

  const orphans = findOrphans(spec, containers, liveIds);
  const problems = services.filter((r) => !r.ok).map((r) => `${r.service}: ${r.problem ?? 'not ok'}`);
  return {
    v: STATUS_FORMAT_VERSION,
    project: spec.project,
    ok: problems.length === 0,
    live_generation: live?.deployId ?? null,
    services,
    kept_generations: kept,
    orphans,
    problems,
  };
}

function infraName(s: ServiceSpec): string {
  return s.containerName ?? s.name;
}

/** App containers of this project that belong to a generation (a deploy id, not renamed aside). */
function appMembers(spec: Spec, containers: ContainerInfo[]): ContainerInfo[] {
  return containers.filter(
    (c) => isOwned(c, spec.project, 'app') && !isRenamedAside(c) && deployIdOf(c) !== undefined,
  );
}

function row(
  service: ServiceSpec,
  role: 'infra' | 'app',
  name: string,
  generation: string | null,
  c: ContainerInfo | undefined,
  details: Map<string, ContainerDetail>,
  cmp: CompareContext,
  spec: Spec,
  now: number,
): StatusRow {
  if (!c) {
    return {
      service: service.name,
      role,
      container: name,
      container_id: null,
      generation,
      state: 'missing',
      health: null,
      started_at: null,
      uptime_s: null,
      ports: [],
      drift: [],
      drift_summary: null,
      protected: role === 'infra',
      ok: false,
      problem:
        role === 'infra'
          ? `container ${name} does not exist (\`deployctl apply\` creates it)`
          : generation === null
            ? 'no generation of the apps runs (`deployctl apply` deploys one)'
            : `the live generation ${generation} has no ${service.name} container`,
    };
  }
  const base = { ...observedRow(c, details.get(c.id), spec, now), service: service.name, role, generation };
  // A value left unknown (a variable not set where status runs) would show as drift that is not there.
  const unknown = (spec.unresolved ?? []).filter(
    (p) => p[0] === (role === 'infra' ? 'infra' : 'apps') && p[2] === service.name,
  );
  if (unknown.length > 0) {
    return {
      ...base,
      drift: [],
      drift_summary: `not compared: ${unknown.map((p) => p.slice(3).join('.')).join(', ')} unknown here`,
    };
  }
  const comparison = isUnmanaged(c) ? compareUnmanaged(c, service, cmp) : compareManaged(c, service, cmp);
  return {
    ...base,
    drift: comparison.equal ? [] : comparison.changes.map(driftOf),
    drift_summary: comparison.equal ? null : comparison.what,
  };
}

function leftRow(c: ContainerInfo, d: ContainerDetail | undefined, spec: Spec, now: number): StatusRow {
  const service = c.labels[LABEL.service] ?? c.name;
  const base = observedRow(c, d, spec, now);
  return {
    ...base,
    service,
    role: 'app',
    generation: deployIdOf(c) ?? null,
    drift: [],
    drift_summary: 'no longer in the spec',
    ok: false,
    problem: `service "${service}" runs in the live generation but is no longer in the spec (the next apply removes it)`,
  };
}

type Observed = Omit<StatusRow, 'service' | 'role' | 'generation' | 'drift' | 'drift_summary'>;

function observedRow(c: ContainerInfo, d: ContainerDetail | undefined, spec: Spec, now: number): Observed {
  const state = d?.state ?? c.state;
  const health = state === 'running' ? (d ? d.health : c.health) : undefined;
  const startedAt = state === 'running' ? d?.startedAt : undefined;
  const probed = health === 'starting' && c.healthProbed === true;
  const r: Observed = {
    container: c.name,
    container_id: c.id,
    state,
    health: health ?? null,
    started_at: startedAt === undefined ? null : new Date(startedAt).toISOString(),
    uptime_s: startedAt === undefined ? null : Math.max(0, Math.floor((now - startedAt) / 1000)),
    ports: (d?.publishedPorts ?? []).map(portOf),
    protected: protectionOf(c, spec).protected,
    // The plan's own rule, on what the inspect says now.
    ok: isProven({ state, health, healthProbed: c.healthProbed }),
  };
  if (probed) r.health_probed = true;
  if (health !== undefined && health !== 'healthy' && !probed && d?.lastHealthOutput !== undefined)
    r.health_output = d.lastHealthOutput.trim();
  if (d?.exitCode !== undefined && state !== 'running') r.exit_code = d.exitCode;
  if (!r.ok) r.problem = problemOf(state, health, r);
  return r;
}

function problemOf(state: string, health: string | undefined, r: Observed): string {
  if (state !== 'running')
    return `${r.container} is ${state}${r.exit_code !== undefined ? ` (exit code ${r.exit_code})` : ''}`;
  const probe = r.health_output ? `; last probe: ${oneLine(r.health_output)}` : '';
  return health === 'starting'
    ? `${r.container} is running but its healthcheck has not passed yet${probe}`
    : `${r.container} is running but unhealthy${probe}`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

function portOf(p: PublishedPort): StatusRow['ports'][number] {
  return { host_ip: p.hostIp, host_port: p.hostPort, container_port: p.containerPort, protocol: p.protocol };
}

function driftOf(ch: FieldChange): StatusRow['drift'][number] {
  return {
    field: ch.field,
    ...(ch.before !== undefined ? { before: ch.before } : {}),
    ...(ch.after !== undefined ? { after: ch.after } : {}),
    sensitive: ch.sensitive,
  };
}

/**
 * Containers of this project that belong to no known generation and are not infra of the spec
 * (no deploy id, renamed aside, infra the spec no longer names, an unknown role), and unlabelled
 * containers named like this project's apps (`<project>_<service>_*`). Listed, never touched.
 */
function findOrphans(spec: Spec, containers: ContainerInfo[], liveIds: Set<string>): Orphan[] {
  const infraNames = new Set(spec.infra.services.map(infraName));
  const globs = appNameGlobs(spec, containers);
  const orphans: Orphan[] = [];
  for (const c of containers) {
    if (liveIds.has(c.id) || infraNames.has(c.name)) continue;
    const why = orphanReason(spec, c, globs);
    if (why === undefined) continue;
    orphans.push({
      container: c.name,
      id: c.id,
      state: c.state,
      labelled: !isUnmanaged(c),
      why,
      protected: protectionOf(c, spec).protected,
    });
  }
  return orphans.sort((a, b) => (a.container < b.container ? -1 : a.container > b.container ? 1 : 0));
}

function orphanReason(spec: Spec, c: ContainerInfo, globs: string[]): string | undefined {
  if (isUnmanaged(c)) {
    return globs.some((g) => matchesGlob(c.name, g))
      ? 'named like an app of this project but not created by deployctl'
      : undefined;
  }
  if (projectOf(c) !== spec.project) return undefined;
  const role = roleOf(c);
  if (role === 'lock' || role === 'state') return undefined;
  if (role === 'infra')
    return isRenamedAside(c)
      ? 'infra container renamed aside by an interrupted replace'
      : 'infra container no longer in the spec';
  if (role === 'app') {
    if (isRenamedAside(c)) return 'app container renamed aside';
    if (deployIdOf(c) === undefined) return 'app container without a deploy id';
    return undefined; // a member of a (kept) generation
  }
  return `labelled with this project but with no known role (${c.labels[LABEL.role] ?? 'none'})`;
}

/**
 * `<project>_<service>_*` for the spec's apps and every service a labelled container of the
 * project names: what an unlabelled container copying an app's name looks like.
 */
export function appNameGlobs(spec: Spec, containers: ContainerInfo[]): string[] {
  const services = new Set(spec.apps.services.map((s) => s.name));
  for (const c of containers)
    if (projectOf(c) === spec.project && roleOf(c) === 'app' && c.labels[LABEL.service])
      services.add(c.labels[LABEL.service] ?? '');
  return [...services].filter(Boolean).map((s) => `${spec.project}_${s}_*`);
}
