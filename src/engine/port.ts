/**
 * The engine port: everything deployctl asks of a container engine. Only the dockerode adapter
 * (docker-engine.ts) implements it against a real engine; unit tests use an in-memory fake.
 * Shaped after testcontainers' ContainerClient: small, typed, engine-neutral.
 */
import type { Writable } from 'node:stream';
import type { ContainerSettings, Healthcheck, PortMapping, RestartPolicy } from '../spec/model.js';

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface ContainerQuery {
  project?: string;
  nameGlobs?: string[];
  /** Volume names: finds containers deployctl knows nothing about that use infra data. */
  volumes?: string[];
}

/** What one list call tells about a container (no inspect needed). */
export interface ContainerInfo {
  id: string;
  /** Without the engine's leading slash. */
  name: string;
  /** The image reference the container was created with. */
  image: string;
  imageId: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Undefined when the container has no healthcheck or is not running. */
  health?: HealthStatus;
  /**
   * Not the engine's: set when health is `starting` and deployctl recorded that this container
   * passed its own healthcheck, run by deployctl, before the engine's first check (see
   * apply/health-proof.ts). The engine's `unhealthy` always wins over it.
   */
  healthProbed?: boolean;
  /** Creation time, epoch milliseconds. */
  createdAt: number;
  /** Named volumes mounted into the container. */
  volumeNames: string[];
}

/** What inspect adds, for waits and failure messages. */
export interface ContainerDetail extends ContainerInfo {
  exitCode?: number;
  /** Last healthcheck output, when the engine kept one. */
  lastHealthOutput?: string;
  startedAt?: number;
  restartCount: number;
  /** The restart policy it has now (`no` when none was set). */
  restartPolicy: string;
  /** Ports published on the host (inspect's NetworkSettings.Ports); absent when none. */
  publishedPorts?: PublishedPort[];
  /** Created with a TTY: its log is one raw stream, not stdout/stderr frames. */
  tty?: boolean;
}

/** One published port as the engine bound it (the host port is known even when random). */
export interface PublishedPort {
  containerPort: number;
  protocol: string;
  hostIp: string;
  hostPort: number;
}

export interface LogStreamOptions {
  /** Receives what the container wrote to stdout (all of a TTY container's output). */
  stdout: Writable;
  /** Receives what the container wrote to stderr. */
  stderr: Writable;
  /** Keep streaming new lines until the container stops or is removed, or `signal` aborts. */
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  /** Only lines written at or after this time, epoch milliseconds. */
  since?: number;
  /** The container has a TTY (ContainerDetail.tty): its log is one raw stream, all to stdout. */
  tty?: boolean;
  signal?: AbortSignal;
}

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
  driver: string;
}

export interface NetworkInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  driver: string;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  /** Paths the image declares as VOLUME (anonymous volumes if nothing is mounted there). */
  volumes?: string[];
}

export type EngineMount =
  | { type: 'volume'; source: string; target: string; readOnly: boolean }
  | { type: 'bind'; source: string; target: string; readOnly: boolean };

/** An engine-neutral container definition; the adapter maps it to the engine's create call. */
export interface ContainerDefinition {
  name: string;
  image: string;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  ports: PortMapping[];
  mounts: EngineMount[];
  /** Networks to join, each with aliases (the service name) for DNS. */
  networks: { name: string; aliases: string[] }[];
  restart?: RestartPolicy;
  healthcheck?: Healthcheck;
  init?: boolean;
  user?: string;
  workingDir?: string;
  stopSignal?: string;
  stopGracePeriodMs?: number;
  /** Limits, logging and kernel knobs (Compose keys), already in the engine's units. */
  settings?: ContainerSettings;
}

export interface ExecOptions {
  /**
   * Streamed into the process; the call ends when the process exits. A chunk is written before
   * the next is asked for, so a source may hand out one refilled buffer.
   */
  stdin?: AsyncIterable<Uint8Array>;
  /** Receives the process's stdout as it comes (no buffering of the whole output). */
  stdout?: Writable;
  env?: Record<string, string>;
  user?: string;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  /** Collected only when no stdout stream was given. */
  stdout: string;
  /** The last 64 KiB of stderr, for error messages. */
  stderr: string;
}

/** A small file kept in a container's filesystem or in a volume mounted into it. */
export interface StoredFile {
  /** Relative to the directory it was written to or read from. */
  name: string;
  content: string | Uint8Array;
}

export interface ReadFile {
  name: string;
  content: Buffer;
}

/** Which engine answers the Docker API: Docker itself, or `podman system service`. */
export type EngineProduct = 'Docker' | 'Podman';

export interface EngineIdentity {
  /** Where the engine was reached, e.g. `unix:///var/run/docker.sock`. */
  endpoint: string;
  serverVersion: string;
  apiVersion: string;
  product: EngineProduct;
}

export interface Engine {
  readonly endpoint: string;
  /** The docker context that chose this engine (`--context`, DOCKER_CONTEXT, the CLI's current one). */
  readonly context?: string;
  /** Fails fast (a few seconds) with ENGINE_UNREACHABLE when the engine does not answer. */
  ping(): Promise<EngineIdentity>;

  /**
   * All containers (running or not) that carry `deployctl.project=<project>`, whose name
   * matches one of `nameGlobs` (`*` wildcards), or that mount one of `volumes`. One engine
   * call per kind of criterion, whatever the number of names.
   */
  listContainers(query: ContainerQuery): Promise<ContainerInfo[]>;
  inspectContainer(idOrName: string): Promise<ContainerDetail | undefined>;
  listVolumes(): Promise<VolumeInfo[]>;
  listNetworks(): Promise<NetworkInfo[]>;
  /** Local images matching any of `refs`; one call. */
  listImages(refs: string[]): Promise<ImageInfo[]>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;

  pullImage(ref: string, onProgress?: (line: string) => void): Promise<void>;

  /** Fails with a `conflict` EngineError when the name is taken (used for the lock). */
  createContainer(def: ContainerDefinition): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Sends the stop signal, then kills after `timeoutMs`. A no-op on a stopped container. */
  stopContainer(id: string, timeoutMs: number): Promise<void>;
  /** Never removes named volumes; `removeAnonymousVolumes` only touches unnamed ones. */
  removeContainer(id: string, opts?: { force?: boolean; removeAnonymousVolumes?: boolean }): Promise<void>;
  renameContainer(id: string, newName: string): Promise<void>;
  /**
   * Changes a container's restart policy in place. A retired generation is set to `no`, so a
   * daemon restart does not bring it back beside the live one; starting it again restores the
   * policy its configuration asks for.
   */
  setRestartPolicy(id: string, policy: RestartPolicy): Promise<void>;
  containerLogs(id: string, tail: number): Promise<string>;
  /**
   * A container's log, stdout and stderr each to its own stream, as written. Ends when the log
   * does: at once without `follow`; with it, when the container stops or is removed, or `signal`
   * aborts (which is not an error). One engine call.
   */
  streamLogs(id: string, opts: LogStreamOptions): Promise<void>;

  createVolume(def: { name: string; labels: Record<string, string>; driver?: string }): Promise<void>;
  createNetwork(def: { name: string; labels: Record<string, string>; driver?: string }): Promise<void>;

  /** Runs a command in a running container, streaming stdin/stdout; memory stays flat. */
  exec(container: string, cmd: string[], opts?: ExecOptions): Promise<ExecResult>;

  /**
   * Writes small files into directory `dir` of a container, started or not (the archive API):
   * into its own filesystem or a volume mounted there. One request, whole files.
   */
  writeFiles(container: string, dir: string, files: StoredFile[]): Promise<void>;
  /** The regular files under `path` of a container (a directory or one file); [] when absent. */
  readFiles(container: string, path: string): Promise<ReadFile[]>;

  /**
   * Makes sure a tiny local image exists for containers that are never started (the lock).
   * Built from an empty root filesystem by import: no registry involved.
   */
  ensureMarkerImage(): Promise<string>;
}

/** Failures of an engine call, classified so callers can react (e.g. `conflict` on the lock). */
export type EngineErrorKind = 'unreachable' | 'not_found' | 'conflict' | 'pull_failed' | 'other';
