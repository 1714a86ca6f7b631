import type { SpecPath } from './locate.js';

/**
 * The normalized spec: what `src/spec` produces from deployctl.yaml and every other layer
 * consumes. Compose short forms are already expanded, durations are milliseconds, paths are
 * absolute, variables are interpolated. Nothing here refers back to YAML.
 */

export type Role = 'infra' | 'app';
export type PullPolicy = 'missing' | 'always' | 'never';
export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface PortMapping {
  /** Host IP to bind, e.g. `127.0.0.1`; undefined binds all interfaces. */
  hostIp?: string;
  /** Host port; undefined publishes on a random host port. */
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export type Mount =
  /** A named volume; `name` is the engine's volume name. */
  | { type: 'volume'; name: string; target: string; readOnly: boolean }
  /** An infra `dirs:` entry; `source` is its absolute host path. */
  | { type: 'dir'; dir: string; source: string; target: string; readOnly: boolean }
  /** An absolute host path. */
  | { type: 'bind'; source: string; target: string; readOnly: boolean }
  /** An anonymous volume (`- /data`): flagged as a data-safety risk on infra. */
  | { type: 'anonymous'; target: string };

export interface Healthcheck {
  /** Docker's form: `["CMD", ...]`, `["CMD-SHELL", "..."]`, or `["NONE"]` to disable the image's. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
}

export interface DatabaseTarget {
  engine: 'postgres';
  /** Database to back up and restore. */
  name: string;
  /** Role that runs pg_dump / pg_restore inside the container. */
  user: string;
}

export interface ServiceSpec {
  /** The key under `services:`. */
  name: string;
  role: Role;
  /** Infra: the fixed `container_name`. Apps: undefined (named per deploy id). */
  containerName?: string;
  image: string;
  pullPolicy: PullPolicy;
  command?: string[];
  entrypoint?: string[];
  /** Sorted by key. */
  environment: Record<string, string>;
  /** Environment keys whose values are secret (masked everywhere). */
  sensitiveKeys: string[];
  ports: PortMapping[];
  mounts: Mount[];
  networks: string[];
  labels: Record<string, string>;
  restart?: RestartPolicy;
  healthcheck?: Healthcheck;
  dependsOn: string[];
  init?: boolean;
  user?: string;
  workingDir?: string;
  stopSignal?: string;
  /** Compose's `stop_grace_period`, default 10 s. */
  stopGracePeriodMs: number;
  /** How long apply waits for this service to be healthy (or running, without a healthcheck). */
  waitTimeoutMs: number;
  database?: DatabaseTarget;
  /** Compose keys that shape the container beyond the basics (limits, logging, kernel knobs). */
  settings?: ContainerSettings;
  /**
   * Hash of the normalized definition (like Compose's config-hash), stored as a label so plan
   * can tell what changed without comparing engine-defaulted fields.
   */
  configHash: string;
  /** `file:line:col` of the service's key, for messages that point back at the spec. */
  source: string;
}

/** One `ulimits:` entry; `nproc: 65535` is soft = hard. */
export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

/** One `devices:` entry, as the engine takes it. */
export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  /** Cgroup permissions, default `rwm`. */
  permissions: string;
}

/**
 * Compose service keys that shape the container (HostConfig and Config), normalized so that
 * equal meanings compare equal: sizes in bytes (`512m` → 536870912), CPUs in nano-CPUs,
 * capabilities upper-case without `CAP_`, sets sorted. Every field is optional and absent
 * when not set, so a service that sets none of them keeps the config hash it had before.
 */
export interface ContainerSettings {
  logging?: { driver?: string; options: Record<string, string> };
  /** `mem_limit` or `deploy.resources.limits.memory`, bytes. */
  memLimit?: number;
  /** `mem_reservation` or `deploy.resources.reservations.memory`, bytes. */
  memReservation?: number;
  /** `memswap_limit`, bytes (memory + swap); -1 for unlimited swap. */
  memswapLimit?: number;
  /** `cpus` or `deploy.resources.limits.cpus`, in units of 10^-9 CPUs. */
  nanoCpus?: number;
  cpuShares?: number;
  /** `pids_limit` or `deploy.resources.limits.pids`; -1 for unlimited. */
  pidsLimit?: number;
  shmSize?: number;
  /** Sorted by name. */
  ulimits?: Ulimit[];
  /** `host:address` in the order written; `host-gateway` kept for the engine to resolve. */
  extraHosts?: string[];
  /** Sorted, upper-case, without the `CAP_` prefix. */
  capAdd?: string[];
  capDrop?: string[];
  /** Mount point → mount options (`''` for none), sorted by path. */
  tmpfs?: Record<string, string>;
  readOnly?: boolean;
  securityOpt?: string[];
  /** Sorted by key. */
  sysctls?: Record<string, string>;
  hostname?: string;
  domainname?: string;
  dns?: string[];
  groupAdd?: string[];
  privileged?: boolean;
  /** `os[/arch[/variant]]`, lower-case. */
  platform?: string;
  stdinOpen?: boolean;
  tty?: boolean;
  /** `port/protocol`, sorted: exposed to other containers, not published. */
  expose?: string[];
  devices?: DeviceMapping[];
  /** secrets:/configs: mount path → salted hash of the file's content (never the content). */
  mountedFiles?: Record<string, string>;
}

export interface VolumeSpec {
  name: string;
  /** Must exist already; never created or removed by deployctl. */
  external: boolean;
  driver?: string;
  labels: Record<string, string>;
}

export interface NetworkSpec {
  name: string;
  external: boolean;
  driver?: string;
  labels: Record<string, string>;
}

export interface DirSpec {
  /** The key under `infra.dirs`, used in service `volumes:`. */
  name: string;
  /** Absolute host path. */
  path: string;
}

export interface Spec {
  version: 1;
  project: string;
  /** Absolute path of the spec file. */
  file: string;
  /** Directory of the spec file: the base of relative paths. */
  dir: string;
  infra: {
    volumes: VolumeSpec[];
    networks: NetworkSpec[];
    dirs: DirSpec[];
    services: ServiceSpec[];
  };
  apps: { services: ServiceSpec[] };
  /** `maxAgeMs`: kept generations retired longer ago than this are pruned (cleanup.max_age). */
  cleanup: { keepGenerations: number; maxAgeMs?: number; protect: string[] };
  backups: { dir: string; keep: number };
  /** Revisions kept in the ledger on the engine host. */
  history: { keep: number };
  notify: { webhooks: WebhookSpec[] };
  /** Traffic switching through a reverse proxy (src/traffic/); absent when not configured. */
  proxy?: ProxySpec;
  /**
   * Every secret value met while loading (from secret-looking variables, `secrets:` and
   * secret-looking environment keys). Output passes through a masker built from these.
   */
  sensitiveValues: string[];
  /** Hash of the whole normalized spec, secrets included only through the hash. */
  specHash: string;
  /** Read-only loads only: paths whose value is unknown because a variable is not set. */
  unresolved?: SpecPath[];
}

/** A webhook of `notify.webhooks`; its URL is a credential and is among `sensitiveValues`. */
export interface WebhookSpec {
  url: string;
  /** Globs over event names; empty: the terminal events of every command. */
  events: string[];
  format: 'json' | 'slack';
}

/** `proxy:`: the infra service running Caddy and the routes it gets to the live generation. */
export interface ProxySpec {
  /** An infra service name. */
  service: string;
  /** Port the proxy listens on inside its container. */
  listen: number;
  /** In order; the route without host (if any) is last. */
  routes: { host?: string; service: string; port: number }[];
  /** Drain period per routed app service, milliseconds. */
  drainMs: Record<string, number>;
}

/** All services, infra first, in spec order. */
export function allServices(spec: Spec): ServiceSpec[] {
  return [...spec.infra.services, ...spec.apps.services];
}

/** `<project>_<service>_<deployId>`: the container name of an app in one generation. */
export function appContainerName(project: string, service: string, deployId: string): string {
  return `${project}_${service}_${deployId}`;
}

/** Deploy ids: SPEC.md `[A-Za-z0-9][A-Za-z0-9_.-]{0,62}`. */
export const DEPLOY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Project names: SPEC.md `[a-z0-9][a-z0-9_-]*`. */
export const PROJECT_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
