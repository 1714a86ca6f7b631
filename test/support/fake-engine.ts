/**
 * An in-memory Engine for unit tests of apply, db and planner-observe. Deterministic (ids are
 * hashes of a counter, time comes from an injectable clock) and honest: it follows the same
 * rules as the dockerode adapter against a real engine (test/unit/engine/fake-engine.test.ts
 * pins them) — unique names, stop of a stopped container is a no-op, removing a running one
 * needs force, removing a container never removes a named volume, a pull needs a registry
 * that has the image.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { InterruptedError } from '../../src/errors.js';
import { matchesGlob } from '../../src/engine/container-mapping.js';
import { EngineError } from '../../src/engine/engine-error.js';
import { LABEL } from '../../src/engine/labels.js';
import type {
  ContainerDefinition,
  ContainerDetail,
  ContainerInfo,
  ContainerQuery,
  ContainerState,
  Engine,
  EngineIdentity,
  ExecOptions,
  ExecResult,
  HealthStatus,
  ImageInfo,
  LogStreamOptions,
  NetworkInfo,
  ReadFile,
  StoredFile,
  VolumeInfo,
} from '../../src/engine/port.js';
import { canonicalImageRef } from '../../src/spec/image-ref.js';
import type { RestartPolicy } from '../../src/spec/model.js';

export interface FakeContainer {
  id: string;
  name: string;
  def: ContainerDefinition;
  imageId: string;
  state: ContainerState;
  createdAt: number;
  startedAt?: number;
  exitCode?: number;
  restartCount: number;
  /** Anonymous volumes the engine made for the image's VOLUME paths nothing was mounted on. */
  anonymousVolumes: string[];
  healthIndex: number;
}

export type ExecHandler = (
  container: FakeContainer,
  cmd: string[],
  opts: ExecOptions,
) => ExecResult | Promise<ExecResult>;

interface Knobs {
  health?: HealthStatus[];
  healthOutput?: string;
  failStart?: { exitCode: number };
  logs?: string;
  /** What streamLogs hands out: each line with its stream and the time it was written. */
  logLines?: FakeLogLine[];
}

export interface FakeLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** Epoch milliseconds. */
  at: number;
}

type Method = Exclude<keyof Engine, 'endpoint'>;

export const MARKER_IMAGE = 'deployctl/marker:1';
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const GLOBAL_NETWORKS = ['bridge', 'host', 'none'];

function hexId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

export class FakeEngine implements Engine {
  readonly endpoint = 'fake://engine';
  readonly containers = new Map<string, FakeContainer>();
  readonly volumes = new Map<string, VolumeInfo>();
  readonly networks = new Map<string, NetworkInfo>();
  /** Local images by canonical reference. */
  readonly images = new Map<string, ImageInfo>();
  /** References the (imaginary) registry has: only these can be pulled. */
  readonly pullable = new Set<string>();
  /** Every call made through the port, in order, for assertions. */
  readonly calls: { method: Method; args: unknown[] }[] = [];
  /** When set, every call fails as an unreachable engine. */
  unreachable = false;
  /** Exit code a container reports after a stop (0: it handled SIGTERM). */
  stopExitCode = 0;

  /** Files written through the archive API, by fileKey. Removed with their container, kept with their volume. */
  readonly files = new Map<string, Buffer>();
  private readonly knobs = new Map<string, Knobs>();
  private readonly failures: {
    method: Method;
    error: EngineError;
    when?: (...args: unknown[]) => boolean;
    times: number;
  }[] = [];
  private readonly pullableVolumes = new Map<string, string[]>();
  private execHandler: ExecHandler | undefined;
  private counter = 0;
  private readonly clock: { now(): number };

  /** `clock` defaults to one that starts at 2026-01-01 and moves 1 s per reading. */
  constructor(clock?: { now(): number }) {
    let tick = 0;
    this.clock = clock ?? { now: () => Date.UTC(2026, 0, 1) + tick++ * 1000 };
    for (const name of GLOBAL_NETWORKS)
      this.networks.set(name, {
        id: hexId(`net:${name}`),
        name,
        labels: {},
        driver: name === 'bridge' ? 'bridge' : name === 'host' ? 'host' : 'null',
      });
  }

  // ---- knobs ---------------------------------------------------------------------------

  /** A local image; `volumes` are the paths it declares as VOLUME. Returns its id. */
  addImage(ref: string, opts: { id?: string; volumes?: string[] } = {}): string {
    const key = canonicalImageRef(ref);
    const existing = this.images.get(key);
    const id = opts.id ?? existing?.id ?? `sha256:${hexId(`img:${key}`)}`;
    this.images.set(key, { id, repoTags: [key], ...(opts.volumes ? { volumes: opts.volumes } : {}) });
    return id;
  }

  /** Makes `ref` available from the registry, so pullImage(ref) succeeds. */
  addPullable(ref: string, opts: { volumes?: string[] } = {}): void {
    this.pullable.add(canonicalImageRef(ref));
    if (opts.volumes) this.pullableVolumes.set(canonicalImageRef(ref), opts.volumes);
  }

  addVolume(name: string, labels: Record<string, string> = {}, driver = 'local'): void {
    this.volumes.set(name, { name, labels, driver });
  }

  addNetwork(name: string, labels: Record<string, string> = {}, driver = 'bridge'): void {
    this.networks.set(name, { id: hexId(`net:${name}`), name, labels, driver });
  }

  /** Seeds a container as if created earlier (e.g. a legacy one deployctl never made). */
  addContainer(
    def: Partial<ContainerDefinition> & { name: string; image: string },
    state: ContainerState = 'running',
  ): string {
    if (!this.images.has(canonicalImageRef(def.image))) this.addImage(def.image);
    const id = this.create({ env: {}, labels: {}, ports: [], mounts: [], networks: [], ...def });
    const c = this.mustGet(id);
    c.state = state;
    if (state === 'running') c.startedAt = this.clock.now();
    if (state === 'exited') c.exitCode = 0;
    return id;
  }

  /** Health the container (by name) reports after each start: one step per inspect, the last one sticks. */
  setHealthSequence(name: string, statuses: HealthStatus[], output?: string): void {
    const k = this.knobsFor(name);
    k.health = statuses;
    if (output !== undefined) k.healthOutput = output;
  }

  /** The container's process exits at once after start with `exitCode` (start itself succeeds, as with Docker). */
  failStart(name: string, exitCode = 1, logs?: string): void {
    const k = this.knobsFor(name);
    k.failStart = { exitCode };
    if (logs !== undefined) k.logs = logs;
  }

  /** The container never becomes healthy: starting, then unhealthy. */
  unhealthy(name: string, output = 'fake: healthcheck failed'): void {
    this.setHealthSequence(name, ['starting', 'unhealthy'], output);
  }

  setLogs(name: string, logs: string): void {
    this.knobsFor(name).logs = logs;
  }

  /** Lines streamLogs gives for the container (by name), in the order written. */
  addLogLines(name: string, lines: FakeLogLine[]): void {
    const k = this.knobsFor(name);
    k.logLines = [...(k.logLines ?? []), ...lines];
  }

  onExec(handler: ExecHandler): void {
    this.execHandler = handler;
  }

  /** The next `times` calls of `method` (matching `when`, if given) fail with `error`. */
  failOn(
    method: Method,
    error: EngineError,
    opts: { when?: (...args: unknown[]) => boolean; times?: number } = {},
  ): void {
    this.failures.push({ method, error, times: opts.times ?? 1, ...(opts.when ? { when: opts.when } : {}) });
  }

  /** The container by name or id (undefined when gone). */
  container(idOrName: string): FakeContainer | undefined {
    return this.find(idOrName);
  }

  callsOf(method: Method): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  // ---- the port ------------------------------------------------------------------------

  ping(): Promise<EngineIdentity> {
    return this.run('ping', [], () => ({
      endpoint: this.endpoint,
      serverVersion: '20.10.24-fake',
      apiVersion: '1.41',
      product: 'Docker',
    }));
  }

  listContainers(query: ContainerQuery): Promise<ContainerInfo[]> {
    return this.run('listContainers', [query], () =>
      [...this.containers.values()]
        .filter(
          (c) =>
            (query.project !== undefined && c.def.labels[LABEL.project] === query.project) ||
            (query.nameGlobs ?? []).some((g) => matchesGlob(c.name, g)) ||
            this.info(c).volumeNames.some((v) => (query.volumes ?? []).includes(v)),
        )
        .map((c) => this.info(c)),
    );
  }

  inspectContainer(idOrName: string): Promise<ContainerDetail | undefined> {
    return this.run('inspectContainer', [idOrName], () => {
      const c = this.find(idOrName);
      if (!c) return undefined;
      const detail = this.detail(c);
      const seq = this.healthSequence(c);
      if (c.state === 'running' && seq) c.healthIndex = Math.min(c.healthIndex + 1, seq.length - 1);
      return detail;
    });
  }

  listVolumes(): Promise<VolumeInfo[]> {
    return this.run('listVolumes', [], () =>
      [...this.volumes.values()].map((v) => ({ ...v, labels: { ...v.labels } })),
    );
  }

  listNetworks(): Promise<NetworkInfo[]> {
    return this.run('listNetworks', [], () =>
      [...this.networks.values()].map((n) => ({ ...n, labels: { ...n.labels } })),
    );
  }

  listImages(refs: string[]): Promise<ImageInfo[]> {
    return this.run('listImages', [refs], () => {
      const wanted = new Set(refs.map(canonicalImageRef));
      return [...this.images.values()]
        .filter((i) => i.repoTags.some((t) => wanted.has(t)))
        .map(({ id, repoTags }) => ({ id, repoTags: [...repoTags] }));
    });
  }

  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return this.run('inspectImage', [ref], () => {
      const img = this.image(ref);
      return img ? { id: img.id, repoTags: [...img.repoTags], volumes: [...(img.volumes ?? [])] } : undefined;
    });
  }

  pullImage(ref: string, onProgress?: (line: string) => void): Promise<void> {
    return this.run('pullImage', [ref], () => {
      const key = canonicalImageRef(ref);
      if (!this.pullable.has(key)) {
        throw new EngineError(
          'pull_failed',
          `could not pull ${ref}: manifest for ${ref} not found: manifest unknown: manifest unknown`,
        );
      }
      onProgress?.(`${key.split(':').pop() ?? ''}: Pulling from ${key}`);
      const volumes = this.pullableVolumes.get(key);
      this.addImage(key, volumes ? { volumes } : {});
      onProgress?.(`Status: Downloaded newer image for ${key}`);
    });
  }

  createContainer(def: ContainerDefinition): Promise<string> {
    return this.run('createContainer', [def], () => this.create(def));
  }

  startContainer(id: string): Promise<void> {
    return this.run('startContainer', [id], () => {
      const c = this.mustGet(id, 'start');
      if (c.state === 'running') return; // 304 from the engine: already started
      const knobs = this.knobs.get(c.name);
      c.startedAt = this.clock.now();
      c.healthIndex = 0;
      if (knobs?.failStart) {
        c.state = 'exited';
        c.exitCode = knobs.failStart.exitCode;
        return;
      }
      c.state = 'running';
      delete c.exitCode;
    });
  }

  stopContainer(id: string, timeoutMs: number): Promise<void> {
    return this.run('stopContainer', [id, timeoutMs], () => {
      const c = this.mustGet(id, 'stop');
      if (c.state !== 'running' && c.state !== 'paused' && c.state !== 'restarting') return; // 304
      c.state = 'exited';
      c.exitCode = this.stopExitCode;
    });
  }

  removeContainer(
    id: string,
    opts: { force?: boolean; removeAnonymousVolumes?: boolean } = {},
  ): Promise<void> {
    return this.run('removeContainer', [id, opts], () => {
      const c = this.mustGet(id, 'remove');
      if (c.state === 'running' && !opts.force) {
        throw new EngineError(
          'conflict',
          `could not remove container ${c.name}: You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`,
          { statusCode: 409 },
        );
      }
      this.containers.delete(c.id);
      for (const key of [...this.files.keys()])
        if (key.startsWith(`container:${c.id}:`)) this.files.delete(key);
      // Named volumes always survive; anonymous ones only go when asked (`docker rm -v`).
      if (opts.removeAnonymousVolumes) for (const v of c.anonymousVolumes) this.volumes.delete(v);
    });
  }

  renameContainer(id: string, newName: string): Promise<void> {
    return this.run('renameContainer', [id, newName], () => {
      const c = this.mustGet(id, `rename to ${newName}`);
      const other = this.byName(newName);
      if (other && other.id !== c.id) {
        throw new EngineError(
          'conflict',
          `could not rename container ${c.name} to ${newName}: Error when allocating new name: Conflict. The container name "/${newName}" is already in use by container "${other.id}".`,
          { statusCode: 409 },
        );
      }
      c.name = newName;
    });
  }

  setRestartPolicy(id: string, policy: RestartPolicy): Promise<void> {
    return this.run('setRestartPolicy', [id, policy], () => {
      this.mustGet(id, `set the restart policy (${policy}) of`).def.restart = policy;
    });
  }

  containerLogs(id: string, tail: number): Promise<string> {
    return this.run('containerLogs', [id, tail], () => {
      const c = this.mustGet(id, 'read the logs of');
      const text = this.knobs.get(c.name)?.logs ?? '';
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      return lines
        .slice(-tail)
        .map((l) => `${l}\n`)
        .join('');
    });
  }

  /** Like the engine: with `follow`, ends when the container stops or is removed, or on abort. */
  streamLogs(id: string, opts: LogStreamOptions): Promise<void> {
    return this.run(
      'streamLogs',
      [id, { follow: opts.follow, tail: opts.tail, since: opts.since }],
      async () => {
        const c = this.mustGet(id, 'read the logs of');
        let lines = (this.knobs.get(c.name)?.logLines ?? []).filter(
          (l) => opts.since === undefined || l.at >= opts.since,
        );
        if (opts.tail !== undefined) lines = opts.tail === 0 ? [] : lines.slice(-opts.tail);
        for (const l of lines) (l.stream === 'stderr' ? opts.stderr : opts.stdout).write(`${l.text}\n`);
        if (!opts.follow) return;
        while (!opts.signal?.aborted && this.containers.get(c.id)?.state === 'running') {
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    );
  }

  createVolume(def: { name: string; labels: Record<string, string>; driver?: string }): Promise<void> {
    return this.run('createVolume', [def], () => {
      // The engine answers with the existing volume when the name is taken.
      if (!this.volumes.has(def.name)) this.addVolume(def.name, { ...def.labels }, def.driver ?? 'local');
    });
  }

  createNetwork(def: { name: string; labels: Record<string, string>; driver?: string }): Promise<void> {
    return this.run('createNetwork', [def], () => {
      if (!this.networks.has(def.name)) this.addNetwork(def.name, { ...def.labels }, def.driver ?? 'bridge');
    });
  }

  exec(container: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.run('exec', [container, cmd, opts], async () => {
      const what = `run ${cmd[0] ?? '(nothing)'} in container ${container}`;
      if (opts.signal?.aborted) throw new InterruptedError(`stopped waiting to ${what}`);
      const c = this.find(container);
      if (!c)
        throw new EngineError('not_found', `could not ${what}: No such container: ${container}`, {
          statusCode: 404,
        });
      if (c.state !== 'running')
        throw new EngineError('conflict', `could not ${what}: Container ${c.id} is not running`, {
          statusCode: 409,
        });
      const result = this.execHandler
        ? await this.execHandler(c, cmd, opts)
        : { exitCode: 127, stdout: '', stderr: `fake engine: no onExec handler for ${cmd.join(' ')}\n` };
      if (opts.stdin) await drain(opts.stdin); // read to the end, as the engine's process would
      if (opts.stdout) {
        await endWith(opts.stdout, result.stdout);
        return { ...result, stdout: '' };
      }
      return result;
    });
  }

  writeFiles(container: string, dir: string, files: StoredFile[]): Promise<void> {
    return this.run('writeFiles', [container, dir, files], () => {
      const c = this.mustGet(container, `write files into ${dir} of`);
      for (const f of files)
        this.files.set(this.fileKey(c, `${dir.replace(/\/$/, '')}/${f.name}`), Buffer.from(f.content));
    });
  }

  readFiles(container: string, path: string): Promise<ReadFile[]> {
    return this.run('readFiles', [container, path], () => {
      const c = this.mustGet(container, `read ${path} of`);
      const base = this.fileKey(c, path.replace(/\/$/, ''));
      const out: ReadFile[] = [];
      for (const [key, content] of this.files) {
        if (key === base) out.push({ name: path.split('/').pop() ?? path, content: Buffer.from(content) });
        else if (key.startsWith(`${base}/`))
          out.push({ name: key.slice(base.length + 1), content: Buffer.from(content) });
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  ensureMarkerImage(): Promise<string> {
    return this.run('ensureMarkerImage', [], () => {
      if (!this.image(MARKER_IMAGE)) this.addImage(MARKER_IMAGE);
      return MARKER_IMAGE;
    });
  }

  // ---- internals -----------------------------------------------------------------------

  /** A file's identity: inside a mounted volume it is shared by every container mounting it. */
  private fileKey(c: FakeContainer, path: string): string {
    for (const m of c.def.mounts) {
      if (m.type === 'volume' && (path === m.target || path.startsWith(`${m.target}/`))) {
        return `volume:${m.source}${path.slice(m.target.length)}`;
      }
    }
    return `container:${c.id}:${path}`;
  }

  private async run<T>(method: Method, args: unknown[], body: () => T | Promise<T>): Promise<T> {
    this.calls.push({ method, args });
    if (this.unreachable) {
      throw new EngineError(
        'unreachable',
        `Cannot reach the Docker engine at ${this.endpoint}: the fake engine is set unreachable. Nothing was changed.`,
      );
    }
    const i = this.failures.findIndex((f) => f.method === method && (!f.when || f.when(...args)));
    const failure = this.failures[i];
    if (failure) {
      if (--failure.times <= 0) this.failures.splice(i, 1);
      throw failure.error;
    }
    return body();
  }

  private knobsFor(name: string): Knobs {
    let k = this.knobs.get(name);
    if (!k) this.knobs.set(name, (k = {}));
    return k;
  }

  private image(refOrId: string): ImageInfo | undefined {
    return (
      this.images.get(canonicalImageRef(refOrId)) ??
      [...this.images.values()].find((i) => i.id === refOrId || i.id === `sha256:${refOrId}`)
    );
  }

  private byName(name: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.name === name);
  }

  private find(idOrName: string): FakeContainer | undefined {
    return (
      this.containers.get(idOrName) ??
      this.byName(idOrName) ??
      (idOrName.length >= 12
        ? [...this.containers.values()].find((c) => c.id.startsWith(idOrName))
        : undefined)
    );
  }

  private mustGet(idOrName: string, verb = 'inspect'): FakeContainer {
    const c = this.find(idOrName);
    if (!c)
      throw new EngineError(
        'not_found',
        `could not ${verb} container ${idOrName}: No such container: ${idOrName}`,
        { statusCode: 404 },
      );
    return c;
  }

  private create(def: ContainerDefinition): string {
    const action = `create container ${def.name}`;
    if (!NAME_PATTERN.test(def.name))
      throw new EngineError(
        'other',
        `could not ${action}: Invalid container name (${def.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
        { statusCode: 400 },
      );
    const taken = this.byName(def.name);
    if (taken) {
      throw new EngineError(
        'conflict',
        `could not ${action}: Conflict. The container name "/${def.name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        { statusCode: 409 },
      );
    }
    const img = this.image(def.image);
    if (!img)
      throw new EngineError('not_found', `could not ${action}: No such image: ${def.image}`, {
        statusCode: 404,
      });
    for (const net of def.networks) {
      if (!this.networks.has(net.name))
        throw new EngineError('not_found', `could not ${action}: network ${net.name} not found`, {
          statusCode: 404,
        });
    }
    const id = hexId(`container:${this.counter++}`);
    for (const m of def.mounts)
      if (m.type === 'volume' && !this.volumes.has(m.source)) this.addVolume(m.source); // the engine creates it, unlabelled
    const covered = new Set(def.mounts.map((m) => m.target));
    const anonymousVolumes = (img.volumes ?? [])
      .filter((p) => !covered.has(p))
      .map((p) => hexId(`anon:${id}:${p}`));
    for (const v of anonymousVolumes) this.addVolume(v);
    this.containers.set(id, {
      id,
      name: def.name,
      def: structuredClone(def),
      imageId: img.id,
      state: 'created',
      createdAt: this.clock.now(),
      restartCount: 0,
      anonymousVolumes,
      healthIndex: 0,
    });
    return id;
  }

  private healthSequence(c: FakeContainer): HealthStatus[] | undefined {
    const test = c.def.healthcheck?.test;
    if (!test || test[0] === 'NONE') return undefined;
    return this.knobs.get(c.name)?.health ?? ['starting', 'healthy'];
  }

  private info(c: FakeContainer): ContainerInfo {
    const seq = this.healthSequence(c);
    const info: ContainerInfo = {
      id: c.id,
      name: c.name,
      image: c.def.image,
      imageId: c.imageId,
      labels: { ...c.def.labels },
      state: c.state,
      createdAt: c.createdAt,
      volumeNames: [
        ...c.def.mounts.filter((m) => m.type === 'volume').map((m) => m.source),
        ...c.anonymousVolumes,
      ],
    };
    const health = c.state === 'running' && seq ? seq[c.healthIndex] : undefined;
    if (health) info.health = health;
    return info;
  }

  private detail(c: FakeContainer): ContainerDetail {
    const detail: ContainerDetail = {
      ...this.info(c),
      restartCount: c.restartCount,
      restartPolicy: c.def.restart ?? 'no',
    };
    if (c.exitCode !== undefined && c.state !== 'running') detail.exitCode = c.exitCode;
    if (c.startedAt !== undefined) detail.startedAt = c.startedAt;
    const published = c.def.ports.map((p) => ({
      containerPort: p.containerPort,
      protocol: p.protocol,
      hostIp: p.hostIp ?? '0.0.0.0',
      hostPort: p.hostPort ?? 32768 + p.containerPort,
    }));
    if (c.state === 'running' && published.length > 0) detail.publishedPorts = published;
    // Like the engine: health output exists once the first check has run.
    const output = this.knobs.get(c.name)?.healthOutput;
    if (detail.health === 'healthy') detail.lastHealthOutput = output ?? 'ok';
    if (detail.health === 'unhealthy') detail.lastHealthOutput = output ?? 'fake: healthcheck failed';
    return detail;
  }
}

function endWith(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(text, () => resolve());
  });
}

/** Reads what a handler left unread; a source already ended or stopped reads as empty. */
async function drain(input: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const _ of input) {
      // discarded
    }
  } catch {
    // a source destroyed by the handler: nothing more to read
  }
}
