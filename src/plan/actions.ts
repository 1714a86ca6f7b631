/**
 * A plan is plain data: typed actions with reasons. `plan` renders it, `apply` executes it;
 * neither recomputes what the other decided. Serialized with `--json` / `--out` as
 * FORMAT_VERSION; any change to these shapes that breaks a reader bumps it.
 */
export const PLAN_FORMAT_VERSION = 1;

/** `route`: load new routes into the proxy (spec `proxy:`); the proxy container is not restarted. */
export type ActionKind =
  'create' | 'start' | 'replace' | 'stop' | 'remove' | 'pull' | 'route' | 'noop' | 'drift';
/** `routes`: the routing config of the proxy (spec `proxy:`), named by the proxy container. */
export type ResourceKind = 'container' | 'volume' | 'network' | 'dir' | 'image' | 'routes';
/** `unmanaged`: a live object deployctl did not create (legacy containers, protect globs). */
export type ActionRole = 'infra' | 'app' | 'unmanaged';
/** When apply runs the action; phases run in this order: cleanup, images, infra, deploy, traffic, retire. */
export type Phase = 'cleanup' | 'infra' | 'images' | 'deploy' | 'traffic' | 'retire';

/** Stable reason codes: documented in README, safe to match on in scripts. */
export type ReasonCode =
  | 'missing' // not there: create it
  | 'stopped' // exists but not running: start it
  | 'up_to_date' // matches the spec
  | 'unproven' // this generation runs but was never proven healthy (a killed apply): wait, remove on failure
  | 'unproven_kept' // the same for a kept generation a killed apply brought back: wait, stop again on failure
  | 'serving_unproven' // the only generation serving is not healthy: wait, fail, never remove it
  | 'image_changed' // the image reference or the image id behind a tag changed
  | 'config_changed' // another field of the definition changed
  | 'replace_requested' // --replace SERVICE named this infra container
  | 'previous_generation' // an older app generation kept for rollback: stopped, not removed
  | 'expired_generation' // an older app generation beyond keep_generations: removed
  | 'failed_leftover' // an exited/created/dead app container outside kept generations
  | 'orphan_app' // an app container of this generation whose service left the spec
  | 'removed_from_spec' // managed infra no longer in the spec: protected, never touched
  | 'protected_name' // an unmanaged container matching cleanup.protect or an infra name
  | 'unmanaged_infra' // infra-named container deployctl did not create: used as-is
  | 'external' // an external volume or network: only checked, never created
  | 'pull_missing' // image not present locally
  | 'pull_always' // pull_policy: always
  | 'routes_switch' // the proxy is routed to the generation being deployed once it is healthy
  | 'routes_changed'; // the proxy's routes differ from proxy: for the live generation (edited routes or listen, a proxy without routes)

export interface FieldChange {
  /** Dotted field, e.g. `image`, `environment.LOG_LEVEL`, `ports`. */
  field: string;
  /** Rendered values; `(sensitive)` for secrets, undefined when absent on that side. */
  before?: string;
  after?: string;
  sensitive: boolean;
  /** Whether this change alone makes apply recreate the container. */
  forcesReplacement: boolean;
}

export interface Action {
  kind: ActionKind;
  resource: ResourceKind;
  role: ActionRole;
  /** Container, volume, network or image name; the dir's key for dirs. */
  name: string;
  service?: string;
  deployId?: string;
  reason: ReasonCode;
  /** One human sentence: why. */
  detail: string;
  /** Protected resources are only ever created, started, or replaced with --replace. */
  protected: boolean;
  phase: Phase;
  changes: FieldChange[];
  /** The live object this acts on, when there is one. */
  observed?: { id: string; state: string; health?: string };
}

export type BlockerCode =
  | 'protected_name_conflict' // an app would take a protected container's name
  | 'foreign_name_conflict' // a name deployctl needs is held by something it did not create
  | 'external_volume_missing'
  | 'external_network_missing'
  | 'image_unavailable' // pull_policy: never and the image is not present
  | 'volume_in_use' // a new infra container would share a named volume with a running container outside the spec
  | 'protection_violation'; // a destructive action on a protected resource (a planner bug guard)

/** Something that makes apply refuse before any change. */
export interface Blocker {
  code: BlockerCode;
  target: string;
  message: string;
}

export type WarningCode =
  | 'anonymous_volume' // infra data on an anonymous volume: lost when the container is recreated
  | 'container_layer_data' // infra service with no persistent mount at all
  | 'renamed_aside' // a copy left by an interrupted replace (`<name>.replaced-<time>`): check it, remove by hand
  | 'unhealthy' // a live container reports unhealthy
  | 'paused';

export interface PlanWarning {
  code: WarningCode;
  target: string;
  message: string;
}

export interface PlanSummary {
  create: number;
  start: number;
  replace: number;
  stop: number;
  remove: number;
  pull: number;
  route: number;
  drift: number;
  noop: number;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  project: string;
  deployId: string;
  /** Infra services that --replace named. */
  replace: string[];
  /** Hash of the normalized spec (secrets only through the hash). */
  specHash: string;
  /** Hash of the live state the plan was made from; apply of a saved plan refuses if it moved. */
  stateFingerprint: string;
  actions: Action[];
  blockers: Blocker[];
  warnings: PlanWarning[];
  summary: PlanSummary;
}

/** Whether applying the plan would change anything. */
export function hasChanges(plan: Plan): boolean {
  const s = plan.summary;
  return s.create + s.start + s.replace + s.stop + s.remove + s.pull + s.route > 0;
}
