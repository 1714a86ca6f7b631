/**
 * What every apply unit test needs: a fake clock that moves only when someone sleeps, the
 * in-memory engine on that clock, a recording user port, and the "shop" stack (an external
 * database volume, a network, a db with a healthcheck, and two apps started in depends_on order).
 */
import { deploy, type DeployOptions, type DeployOutcome } from '../../../src/apply/deploy.js';
import { acquireLock, type HeldLock, type LockHolder, type LockSettings } from '../../../src/apply/lock.js';
import type { Every } from '../../../src/apply/lock-lease.js';
import { containerDefinition } from '../../../src/apply/container-definition.js';
import { DeployctlError } from '../../../src/errors.js';
import type { ContainerState } from '../../../src/engine/port.js';
import { RecordingIoHost } from '../../../src/io/io-host.js';
import { canonicalImageRef } from '../../../src/spec/image-ref.js';
import type { ServiceSpec, Spec } from '../../../src/spec/model.js';
import type { Clock } from '../../../src/util/clock.js';
import {
  appService,
  buildSpec,
  infraService,
  networkSpec,
  volumeSpec,
  type SpecInit,
} from '../../support/builders.js';
import { FakeEngine } from '../../support/fake-engine.js';

/** Lease renewals driven by the fake clock: each fires when the clock passes its time. */
export function clockEvery(clock: FakeClock): Every {
  return (ms, tick) => {
    let stopped = false;
    const schedule = (): void =>
      clock.after(ms, () => {
        if (stopped) return;
        tick();
        schedule();
      });
    schedule();
    return () => {
      stopped = true;
    };
  };
}

/** A clock that only moves when slept on (or advanced by hand), firing hooks as time passes. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private t: number;
  private hooks: { at: number; run: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1, 8, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    // Let other tasks of the same run (parallel services) take their turn, as real time would.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) return;
    this.advance(ms);
  }

  advance(ms: number): void {
    this.t += ms;
    const due = this.hooks.filter((h) => h.at <= this.t);
    this.hooks = this.hooks.filter((h) => h.at > this.t);
    for (const h of due) h.run();
  }

  /** Runs `fn` once the clock has moved `ms` past now. */
  after(ms: number, fn: () => void): void {
    this.hooks.push({ at: this.t + ms, run: fn });
  }

  /** Total time slept so far. */
  slept(): number {
    return this.sleeps.reduce((a, b) => a + b, 0);
  }
}

export const PROJECT = 'shop';
export const DB = 'shop_db';
export const DB_VOLUME = 'shop_pg';
export const NET = 'shop_net';
export const DB_IMAGE = 'postgres:15';
export const APP_V1 = 'registry.example.com/shop/app:v1';
export const APP_V2 = 'registry.example.com/shop/app:v2';
const HEALTHCHECK = { test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1:8000/health'], intervalMs: 1000 };

export function dbService(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return infraService('db', {
    containerName: DB,
    image: DB_IMAGE,
    environment: { POSTGRES_PASSWORD: 'db-secret-value' },
    sensitiveKeys: ['POSTGRES_PASSWORD'],
    mounts: [{ type: 'volume', name: DB_VOLUME, target: '/var/lib/postgresql/data', readOnly: false }],
    networks: [NET],
    healthcheck: { test: ['CMD', 'pg_isready'], intervalMs: 1000 },
    ...overrides,
  });
}

export function backend(image = APP_V1, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return appService('backend', {
    image,
    networks: [NET],
    healthcheck: HEALTHCHECK,
    dependsOn: ['db'],
    waitTimeoutMs: 30_000,
    ...overrides,
  });
}

export function frontend(image = APP_V1, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return appService('frontend', {
    image,
    networks: [NET],
    healthcheck: HEALTHCHECK,
    dependsOn: ['backend'],
    waitTimeoutMs: 30_000,
    ...overrides,
  });
}

/** The shop stack; `apps` and other parts can be swapped per test. */
export function shopSpec(init: SpecInit & { image?: string } = {}): Spec {
  const image = init.image ?? APP_V1;
  return buildSpec({
    project: PROJECT,
    volumes: [volumeSpec(DB_VOLUME, true)],
    networks: [networkSpec(NET)],
    infra: [dbService()],
    apps: [backend(image), frontend(image)],
    keepGenerations: 2,
    protect: ['shop_*_persistent'],
    sensitiveValues: ['db-secret-value'],
    ...init,
  });
}

export const app = (service: string, deployId: string): string => `${PROJECT}_${service}_${deployId}`;

/** Engine methods that change something. Everything else only reads. */
export const MUTATING = new Set([
  'pullImage',
  'createContainer',
  'startContainer',
  'stopContainer',
  'removeContainer',
  'renameContainer',
  'setRestartPolicy',
  'createVolume',
  'createNetwork',
  'exec',
]);

export class Harness {
  readonly clock = new FakeClock();
  readonly engine = new FakeEngine({ now: () => this.clock.now() });
  io = new RecordingIoHost(true);
  controller = new AbortController();

  /** Container id -> the name it was created with, so events read as names. */
  private readonly nameById = new Map<string, string>();

  constructor() {
    // The external database volume exists (made by hand, as SPEC says it must be).
    this.engine.addVolume(DB_VOLUME);
    for (const ref of [DB_IMAGE, APP_V1, APP_V2]) this.engine.addImage(ref);
    const create = this.engine.createContainer.bind(this.engine);
    this.engine.createContainer = async (def) => {
      const id = await create(def);
      this.nameById.set(id, def.name);
      return id;
    };
  }

  holder(deployId: string, host = 'ci-runner-1', pid = 4242): LockHolder {
    return {
      host,
      pid,
      deployId,
      command: 'deployctl apply',
      since: new Date(this.clock.now()).toISOString(),
    };
  }

  /** Lock settings on the fake clock (renewals fire as it moves), without a local process probe. */
  lockSettings(extra: Partial<LockSettings> = {}): Partial<LockSettings> {
    return { every: clockEvery(this.clock), ...extra };
  }

  /** The lock, held by another run that keeps renewing its lease (on the fake clock). */
  holdLock(
    deployId: string,
    host = 'ci-runner-2',
    pid = 777,
    extra: Partial<LockSettings> = {},
  ): Promise<HeldLock> {
    return acquireLock(this.engine, PROJECT, this.holder(deployId, host, pid), {
      timeoutMs: 0,
      clock: this.clock,
      settings: this.lockSettings(extra),
    });
  }

  deploy(spec: Spec, deployId: string, opts: Partial<DeployOptions> = {}): Promise<DeployOutcome> {
    return deploy(
      {
        spec,
        deployId,
        deployIdGenerated: false,
        replace: [],
        autoApprove: true,
        lockTimeoutMs: 0,
        holder: this.holder(deployId),
        ...opts,
        lock: this.lockSettings(opts.lock),
      },
      { engine: this.engine, io: this.io, clock: this.clock, signal: this.controller.signal },
    );
  }

  /** Runs a deploy that must fail and returns its error. */
  async deployFails(
    spec: Spec,
    deployId: string,
    opts: Partial<DeployOptions> = {},
  ): Promise<DeployctlError> {
    const err = await this.deploy(spec, deployId, opts).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof DeployctlError)) throw new Error(`expected a DeployctlError, got ${String(err)}`);
    return err;
  }

  /** Index in `engine.calls` from which the next calls are recorded (for "what did this run do"). */
  mark(): number {
    return this.engine.calls.length;
  }

  callsSince(mark: number): { method: string; args: unknown[] }[] {
    return this.engine.calls.slice(mark);
  }

  mutationsSince(mark: number): { method: string; args: unknown[] }[] {
    return this.callsSince(mark).filter((c) => MUTATING.has(c.method));
  }

  /**
   * The changes made since `mark`, as short strings in call order: `create NAME`, `start NAME`,
   * `stop NAME`, `remove NAME`, `rename NAME -> NEW`, `exec NAME`, `pull REF`, `network NAME`,
   * `volume NAME`.
   * NAME is the name the container was created with.
   */
  events(mark = 0): string[] {
    return this.mutationsSince(mark).map((c) => {
      const [first, second] = c.args as [unknown, unknown];
      const name = (id: unknown): string => this.nameById.get(String(id)) ?? String(id);
      switch (c.method) {
        case 'createContainer':
          return `create ${(first as { name: string }).name}`;
        case 'startContainer':
          return `start ${name(first)}`;
        case 'stopContainer':
          return `stop ${name(first)}`;
        case 'removeContainer':
          return `remove ${name(first)}`;
        case 'renameContainer':
          return `rename ${name(first)} -> ${String(second)}`;
        case 'setRestartPolicy':
          return `restart ${String(second)} ${name(first)}`;
        case 'exec':
          return `exec ${name(first)}`;
        case 'pullImage':
          return `pull ${String(first)}`;
        case 'createNetwork':
          return `network ${(first as { name: string }).name}`;
        case 'createVolume':
          return `volume ${(first as { name: string }).name}`;
        default:
          return c.method;
      }
    });
  }

  /** State of the container by name, or undefined when gone. */
  stateOf(name: string): ContainerState | undefined {
    return this.engine.container(name)?.state;
  }

  idOf(name: string): string | undefined {
    return this.engine.container(name)?.id;
  }

  /** Names of the project's containers in a state, sorted. */
  names(state?: ContainerState): string[] {
    return [...this.engine.containers.values()]
      .filter(
        (c) => c.def.labels['deployctl.project'] === PROJECT && c.def.labels['deployctl.role'] !== 'lock',
      )
      .filter((c) => state === undefined || c.state === state)
      .map((c) => c.name)
      .sort();
  }

  /** Seeds an app generation as an earlier apply would have left it. Moves the clock so ages differ. */
  seedGeneration(spec: Spec, deployId: string, state: ContainerState = 'exited'): string[] {
    this.clock.advance(60_000);
    // The network an earlier apply would have created.
    if (!this.engine.networks.has(NET))
      this.engine.addNetwork(NET, { 'deployctl.project': PROJECT, 'deployctl.role': 'infra' });
    return spec.apps.services.map((s) => {
      const imageId = this.engine.images.get(canonicalImageRef(s.image))?.id ?? '';
      const def = containerDefinition(s, spec, deployId, imageId);
      this.nameById.set(this.engine.addContainer(def, state), def.name);
      return def.name;
    });
  }
}

/** Position of `event` in `events`, failing loudly when it is not there. */
export function at(events: string[], event: string): number {
  const i = events.indexOf(event);
  if (i < 0) throw new Error(`event "${event}" did not happen; events were:\n  ${events.join('\n  ')}`);
  return i;
}
