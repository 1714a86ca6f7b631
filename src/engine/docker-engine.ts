import type Docker from 'dockerode';
import type { RestartPolicy } from '../spec/model.js';
import { readFiles, writeFiles } from './archive.js';
import { globToNameRegex, toContainerDetail, toContainerInfo } from './container-mapping.js';
import { createContainer } from './create-container.js';
import { demuxToText } from './demux.js';
import { EngineError } from './engine-error.js';
import { toEngineError } from './engine-failure.js';
import { runExec } from './exec.js';
import { inspectImage, listImages } from './images.js';
import { LABEL } from './labels.js';
import { streamLogs } from './logs.js';
import { ensureMarkerImage } from './marker-image.js';
import { ensureNetwork } from './networks.js';
import { pingEngine } from './ping.js';
import { PodmanHealthTimer } from './podman-health.js';
import { requirePodmanDns } from './podman-network.js';
import type {
  ContainerDefinition,
  ContainerDetail,
  ContainerInfo,
  ContainerQuery,
  Engine,
  EngineIdentity,
  EngineProduct,
  ExecOptions,
  ExecResult,
  ImageInfo,
  LogStreamOptions,
  NetworkInfo,
  ReadFile,
  StoredFile,
  VolumeInfo,
} from './port.js';
import { pullImage } from './pull.js';

export interface DockerEngineOptions {
  /** How long `ping` waits for an answer. */
  timeoutMs: number;
  env: Record<string, string | undefined>;
  homeDir: string;
  /** The docker context that named this engine, if one did. */
  context?: string;
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number } | null)?.statusCode;
}

/** The Engine port over dockerode. Every failure leaves as an EngineError naming object and operation. */
export class DockerEngine implements Engine {
  constructor(
    private readonly docker: Docker,
    readonly endpoint: string,
    private readonly opts: DockerEngineOptions,
  ) {}

  get context(): string | undefined {
    return this.opts.context;
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toEngineError(err, { action, endpoint: this.endpoint });
    }
  }

  /** A container's name for a failure message, when given an id: costs a call only on failure. */
  private async describe(idOrName: string): Promise<string> {
    if (!/^[0-9a-f]{12,64}$/.test(idOrName)) return `container ${idOrName}`;
    const name = await this.docker
      .getContainer(idOrName)
      .inspect()
      .then((c) => c.Name.replace(/^\//, ''))
      .catch(() => undefined);
    return name ? `container ${name}` : `container ${idOrName.slice(0, 12)}`;
  }

  /** Runs a container operation; on failure names the container by name where it can. */
  private async onContainer<T>(
    verb: string,
    id: string,
    run: () => Promise<T>,
    ok?: (status: number | undefined) => boolean,
  ): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      if (ok?.(statusOf(err))) return undefined;
      throw toEngineError(err, { action: `${verb} ${await this.describe(id)}`, endpoint: this.endpoint });
    }
  }

  /** Docker or Podman, learnt from the first `ping` (or asked for once when something needs it first). */
  private product: Promise<EngineProduct> | undefined;

  ping(): Promise<EngineIdentity> {
    const identity = pingEngine(this.docker, this.endpoint, this.opts.timeoutMs);
    this.product = identity.then((i) => i.product);
    this.product.catch(() => undefined); // the caller of ping sees the failure
    return identity;
  }

  private async isPodman(): Promise<boolean> {
    this.product ??= pingEngine(this.docker, this.endpoint, this.opts.timeoutMs).then((i) => i.product);
    return (await this.product) === 'Podman';
  }

  async listContainers(query: ContainerQuery): Promise<ContainerInfo[]> {
    const lists: Promise<Docker.ContainerInfo[]>[] = [];
    if (query.project !== undefined) {
      const filters = { label: [`${LABEL.project}=${query.project}`] };
      lists.push(
        this.call(`list the containers of project ${query.project}`, () =>
          this.docker.listContainers({ all: true, filters }),
        ),
      );
    }
    const globs = query.nameGlobs ?? [];
    if (globs.length > 0) {
      // Values of one filter key are OR-ed by the engine: one call for all globs.
      const filters = { name: globs.map(globToNameRegex) };
      lists.push(
        this.call(`list the containers named ${globs.join(', ')}`, () =>
          this.docker.listContainers({ all: true, filters }),
        ),
      );
    }
    const volumes = query.volumes ?? [];
    if (volumes.length > 0) {
      const filters = { volume: volumes };
      lists.push(
        this.call(`list the containers using volumes ${volumes.join(', ')}`, () =>
          this.docker.listContainers({ all: true, filters }),
        ),
      );
    }
    const byId = new Map<string, ContainerInfo>();
    for (const list of await Promise.all(lists)) {
      for (const c of list) if (!byId.has(c.Id)) byId.set(c.Id, toContainerInfo(c));
    }
    return [...byId.values()];
  }

  private healthTimer: PodmanHealthTimer | undefined;

  private async inspectRaw(idOrName: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(idOrName).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw toEngineError(err, { action: `inspect container ${idOrName}`, endpoint: this.endpoint });
    }
  }

  async inspectContainer(idOrName: string): Promise<ContainerDetail | undefined> {
    let raw = await this.inspectRaw(idOrName);
    // Podman without systemd never runs healthchecks by itself (see podman-health.ts).
    if (raw?.State?.Health && (await this.isPodman())) {
      this.healthTimer ??= new PodmanHealthTimer(this.docker, this.endpoint);
      if (await this.healthTimer.runIfDue(raw)) raw = await this.inspectRaw(idOrName);
    }
    return raw ? toContainerDetail(raw) : undefined;
  }

  async listVolumes(): Promise<VolumeInfo[]> {
    const res = await this.call('list volumes', () => this.docker.listVolumes());
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {}, driver: v.Driver }));
  }

  async listNetworks(): Promise<NetworkInfo[]> {
    const res = await this.call('list networks', () => this.docker.listNetworks());
    return res.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {}, driver: n.Driver }));
  }

  async listImages(refs: string[]): Promise<ImageInfo[]> {
    if (refs.length === 0) return [];
    return listImages(this.docker, refs, this.endpoint, { podman: await this.isPodman() });
  }

  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return inspectImage(this.docker, ref, this.endpoint);
  }

  pullImage(ref: string, onProgress?: (line: string) => void): Promise<void> {
    return pullImage(
      this.docker,
      ref,
      { endpoint: this.endpoint, env: this.opts.env, homeDir: this.opts.homeDir },
      onProgress,
    );
  }

  createContainer(def: ContainerDefinition): Promise<string> {
    return createContainer(this.docker, def, this.endpoint);
  }

  async startContainer(id: string): Promise<void> {
    // 304: already running, which is what was asked for.
    await this.onContainer(
      'start',
      id,
      () => this.docker.getContainer(id).start(),
      (s) => s === 304,
    );
  }

  async stopContainer(id: string, timeoutMs: number): Promise<void> {
    const t = Math.max(0, Math.ceil(timeoutMs / 1000));
    await this.onContainer(
      'stop',
      id,
      () => this.docker.getContainer(id).stop({ t }),
      (s) => s === 304,
    );
  }

  async removeContainer(
    id: string,
    opts: { force?: boolean; removeAnonymousVolumes?: boolean } = {},
  ): Promise<void> {
    // `v` removes only anonymous volumes; named volumes are never removed with a container.
    const options = { force: opts.force === true, v: opts.removeAnonymousVolumes === true };
    await this.onContainer('remove', id, () => this.docker.getContainer(id).remove(options));
  }

  async renameContainer(id: string, newName: string): Promise<void> {
    await this.onContainer(`rename to ${newName}`, id, () =>
      this.docker.getContainer(id).rename({ name: newName }),
    );
  }

  async setRestartPolicy(id: string, policy: RestartPolicy): Promise<void> {
    if (await this.isPodman()) return this.checkPodmanRestartPolicy(id, policy);
    // Asked first, because the usual case is a policy already right (retire sets `no` on app
    // containers created with `no`): the engine answers an inspect from memory, while an
    // update of a running container also goes through the runtime (20 updates: ~0.24 s of
    // engine CPU on a 2-core host, on the retire's path).
    const detail = await this.inspectContainer(id);
    if (detail?.restartPolicy === policy) return;
    await this.onContainer(`set the restart policy (${policy}) of`, id, () =>
      this.docker.getContainer(id).update({ RestartPolicy: { Name: policy } }),
    );
  }

  /**
   * Podman 4 has no call that changes a container's restart policy (`/containers/ID/update` is
   * missing; libpod's update takes resources only), so the policy can only already be right.
   * It is for the usual app (`restart: no`, the default); otherwise say so rather than pretend.
   */
  private async checkPodmanRestartPolicy(id: string, policy: RestartPolicy): Promise<void> {
    const detail = await this.inspectContainer(id);
    if (!detail || detail.restartPolicy === policy) return;
    throw new EngineError(
      'other',
      `could not set the restart policy of container ${detail.name} to "${policy}": Podman cannot change the restart policy of an existing container, and it was created with "${detail.restartPolicy}". On Podman, give app services restart: no (the default), so a retired generation needs no change; nothing else was changed by this step.`,
    );
  }

  async containerLogs(id: string, tail: number): Promise<string> {
    const buf = await this.onContainer('read the logs of', id, () =>
      this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false }),
    );
    return buf ? demuxToText(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))) : '';
  }

  streamLogs(id: string, opts: LogStreamOptions): Promise<void> {
    return streamLogs(this.docker, id, opts, this.endpoint);
  }

  async createVolume(def: { name: string; labels: Record<string, string>; driver?: string }): Promise<void> {
    const body = { Name: def.name, Labels: def.labels, ...(def.driver ? { Driver: def.driver } : {}) };
    await this.call(`create volume ${def.name}`, () => this.docker.createVolume(body));
  }

  async createNetwork(def: { name: string; labels: Record<string, string>; driver?: string }): Promise<void> {
    const created = await ensureNetwork(this.docker, def, this.endpoint);
    if (await this.isPodman()) await requirePodmanDns(this.docker, def.name, this.endpoint, created);
  }

  exec(container: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return runExec(this.docker, container, cmd, opts, this.endpoint);
  }

  writeFiles(container: string, dir: string, files: StoredFile[]): Promise<void> {
    return writeFiles(this.docker, container, dir, files, this.endpoint);
  }

  readFiles(container: string, path: string): Promise<ReadFile[]> {
    return readFiles(this.docker, container, path, this.endpoint);
  }

  ensureMarkerImage(): Promise<string> {
    return ensureMarkerImage(this.docker, this.endpoint);
  }
}
