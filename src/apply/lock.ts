import { DeployctlError, InterruptedError } from '../errors.js';
import { isEngineError } from '../engine/engine-error.js';
import { LABEL } from '../engine/labels.js';
import type { Engine } from '../engine/port.js';
import type { Clock } from '../util/clock.js';
import { formatDuration } from '../util/clock.js';

/** Who holds a lock: enough for a person to find the holder, or to know it is stale. */
export interface LockHolder {
  host: string;
  pid: number;
  deployId: string;
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

const HOLDER_LABELS = {
  host: 'deployctl.lock.host',
  pid: 'deployctl.lock.pid',
  deployId: 'deployctl.lock.deploy-id',
  command: 'deployctl.lock.command',
  since: 'deployctl.lock.since',
} as const;

/**
 * The lock lives on the engine itself, as a never-started container with a fixed name: the
 * engine makes container names atomic, so two CI jobs on one host cannot both create it, and
 * it needs no shared filesystem or extra service.
 */
export function lockName(project: string): string {
  return `${project}.deployctl-lock`;
}

/** Pause before trying again when the name is taken but its holder could not be read yet. */
const RETRY_UNREADABLE_MS = 50;

export interface HeldLock {
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** 0: fail at once when held; otherwise retry until this much time has passed. */
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Whether the holder is known to be gone (same host, pid not running): said in the error. */
  isStale?: (holder: LockHolder) => boolean;
}

export async function acquireLock(
  engine: Engine,
  project: string,
  holder: LockHolder,
  opts: AcquireOptions,
): Promise<HeldLock> {
  const image = await engine.ensureMarkerImage();
  const deadline = opts.clock.now() + opts.timeoutMs;
  for (;;) {
    try {
      const id = await engine.createContainer({
        name: lockName(project),
        image,
        command: ['lock'],
        env: {},
        labels: {
          [LABEL.project]: project,
          [LABEL.role]: 'lock',
          [HOLDER_LABELS.host]: holder.host,
          [HOLDER_LABELS.pid]: String(holder.pid),
          [HOLDER_LABELS.deployId]: holder.deployId,
          [HOLDER_LABELS.command]: holder.command,
          [HOLDER_LABELS.since]: holder.since,
        },
        ports: [],
        mounts: [],
        networks: [],
      });
      return { release: () => engine.removeContainer(id, { force: true }).catch(ignoreNotFound) };
    } catch (err) {
      if (!isEngineError(err, 'conflict')) throw err;
      const current = await readLock(engine, project);
      if (!current) {
        // Released between our create and our read, or not readable yet: the engine reserves the
        // name before the holder's container can be inspected. Either way, try again shortly. A
        // container that is not a lock holding the name would make that loop forever: an error.
        const other = await engine.inspectContainer(lockName(project));
        if (other && other.labels[LABEL.role] !== 'lock') throw nameTakenError(project);
        await opts.clock.sleep(RETRY_UNREADABLE_MS, opts.signal);
        continue;
      }
      // Ctrl+C while waiting is an interruption (exit 130), not "someone else holds it" (exit 3).
      if (opts.signal?.aborted) throw interruptedError(project, current, opts);
      if (opts.clock.now() >= deadline) throw lockHeldError(project, current, opts);
      await opts.clock.sleep(Math.min(1000, Math.max(0, deadline - opts.clock.now())), opts.signal);
    }
  }
}

/** The current holder, or undefined when the project is not locked. */
export async function readLock(engine: Engine, project: string): Promise<LockHolder | undefined> {
  const detail = await engine.inspectContainer(lockName(project));
  if (!detail || detail.labels[LABEL.role] !== 'lock') return undefined;
  const l = detail.labels;
  return {
    host: l[HOLDER_LABELS.host] ?? 'unknown host',
    pid: Number(l[HOLDER_LABELS.pid] ?? 0),
    deployId: l[HOLDER_LABELS.deployId] ?? 'unknown',
    command: l[HOLDER_LABELS.command] ?? 'unknown',
    since: l[HOLDER_LABELS.since] ?? new Date(detail.createdAt).toISOString(),
  };
}

/** Removes the lock whoever holds it (`deployctl unlock`). Returns the holder it removed. */
export async function breakLock(engine: Engine, project: string): Promise<LockHolder | undefined> {
  const holder = await readLock(engine, project);
  if (!holder) return undefined;
  await engine.removeContainer(lockName(project), { force: true }).catch(ignoreNotFound);
  return holder;
}

export function describeHolder(holder: LockHolder, now: number): string {
  const age = formatDuration(Math.max(0, now - Date.parse(holder.since)));
  return `${holder.command} on host ${holder.host}, pid ${holder.pid}, deploy id ${holder.deployId}, since ${holder.since} (${age} ago)`;
}

function lockHeldError(project: string, holder: LockHolder, opts: AcquireOptions): DeployctlError {
  const stale =
    opts.isStale?.(holder) === true
      ? ` That process is not running on this host any more, so the lock looks stale: release it with \`deployctl unlock\`.`
      : ` If that run crashed and nothing is deploying, release it with \`deployctl unlock\`.`;
  const waited = opts.timeoutMs > 0 ? ` after waiting ${formatDuration(opts.timeoutMs)}` : '';
  return new DeployctlError(
    'LOCK_HELD',
    `another deployctl run holds the lock of project ${project}${waited}: ${describeHolder(holder, opts.clock.now())}. ` +
      `Nothing was changed. Wait for it to finish, or re-run with --lock-timeout 10m to wait for it.${stale}`,
    { data: { holder } },
  );
}

function interruptedError(project: string, holder: LockHolder, opts: AcquireOptions): InterruptedError {
  return new InterruptedError(
    `interrupted while waiting for the lock of project ${project}, held by ${describeHolder(holder, opts.clock.now())}. ` +
      'Nothing was changed.',
  );
}

function nameTakenError(project: string): DeployctlError {
  const name = lockName(project);
  return new DeployctlError(
    'PROTECTED_CONFLICT',
    `cannot take the lock of project ${project}: the container name ${name} is used by a container that is not a deployctl lock. ` +
      `Nothing was changed and that container was not touched. Rename or remove it by hand (\`docker rename ${name} …\`), then re-run.`,
  );
}

function ignoreNotFound(err: unknown): void {
  if (!isEngineError(err, 'not_found')) throw err;
}
