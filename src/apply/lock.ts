import { DeployctlError, InterruptedError } from '../errors.js';
import { isEngineError } from '../engine/engine-error.js';
import { LABEL } from '../engine/labels.js';
import type { Engine } from '../engine/port.js';
import type { IoMessage } from '../io/io-host.js';
import type { Clock } from '../util/clock.js';
import { formatDuration } from '../util/clock.js';
import { describeHolder, holderLabels, holderOf, type LockHolder } from './lock-holder.js';
import { readLease, startLease, unrefInterval, type Every } from './lock-lease.js';
import { judgeHolder, LeaseWatch, type LocalProbe, type Verdict } from './lock-liveness.js';

export { describeHolder, type LockHolder } from './lock-holder.js';

/**
 * The lock lives on the engine itself, as a never-started container with a fixed name: the
 * engine makes container names atomic, so two CI jobs on one host cannot both create it, and
 * it needs no shared filesystem or extra service.
 */
export function lockName(project: string): string {
  return `${project}.deployctl-lock`;
}

/** How a lock is kept alive and judged. */
export interface LockSettings {
  /** A lease that does not move for this long (on the waiter's clock) marks a dead holder. */
  ttlMs: number;
  /** How often a holder renews its lease. */
  renewMs: number;
  /** Tells whether a holder on this machine still runs (pid and its start time). */
  probe?: LocalProbe;
  /** Schedules renewals; unref'd real timers by default. */
  every?: Every;
}

export const DEFAULT_LOCK_SETTINGS: LockSettings = { ttlMs: 15_000, renewMs: 2_000 };

/** Pause before trying again when the name is taken but its holder could not be read yet. */
const RETRY_UNREADABLE_MS = 50;
/** How often a waiter looks at a lease it has not seen move yet. */
export const WATCH_POLL_MS = 500;

export interface HeldLock {
  /** The lock container this run created: the only one it ever removes. */
  readonly id: string;
  /** Aborted, with the reason, once another run took the lock over or it was force-released. */
  readonly lost: AbortSignal;
  /** Stops the renewals and removes this run's lock container (by id, so never another's). */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** 0: fail at once when held by a live run; otherwise retry until this much time has passed. */
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  settings?: Partial<LockSettings>;
  /** Where the one-line take-over warning goes (the IoHost). */
  notify?: (msg: IoMessage) => void;
}

/** A lock container as a waiter saw it. */
export interface SeenLock {
  id: string;
  holder: LockHolder;
  lease: string;
}

/**
 * Takes the project lock. A lock whose holder is provably dead (its process gone from this
 * machine, or its lease still for a TTL) is taken over, saying so in one warning: removed by the
 * id that was judged, so a lock someone else took meanwhile is never removed, and the create is
 * tried again (the engine's name uniqueness decides between two runs taking over at once).
 */
export async function acquireLock(
  engine: Engine,
  project: string,
  holder: LockHolder,
  opts: AcquireOptions,
): Promise<HeldLock> {
  const settings = { ...DEFAULT_LOCK_SETTINGS, ...opts.settings };
  const image = await engine.ensureMarkerImage();
  const deadline = opts.clock.now() + opts.timeoutMs;
  const watch = new LeaseWatch();
  const labels = holderLabels({ ...holder, renewMs: settings.renewMs });
  // Said once the create after it succeeded: a run that loses that race took nothing over.
  let tookOver: { seen: SeenLock; reason: string } | undefined;
  // While a live lock is watched, only looking again: a create is tried when there is a chance.
  let create = true;
  for (;;) {
    const id = create ? await createLock(engine, project, image, labels) : undefined;
    if (id !== undefined) {
      if (tookOver) notifyTakeOver(project, tookOver.seen, tookOver.reason, opts);
      return hold(engine, id, settings, opts.clock);
    }
    const seen = await lookAtLock(engine, project);
    if (seen === 'foreign') throw nameTakenError(project);
    if (!seen) {
      // Released between our create and our look, or not readable yet: the engine reserves the
      // name before the holder's container can be inspected. Either way, try again shortly.
      await opts.clock.sleep(RETRY_UNREADABLE_MS, opts.signal);
      if (opts.signal?.aborted)
        throw new InterruptedError(
          `interrupted while taking the lock of project ${project}. Nothing was changed.`,
        );
      create = true;
      continue;
    }
    const now = opts.clock.now();
    watch.observe(seen.id, seen.lease, now);
    const verdict = judgeHolder(seen.holder, watch, now, settings.ttlMs, settings.probe);
    // Ctrl+C while waiting is an interruption (exit 130), not "someone else holds it" (exit 3).
    if (opts.signal?.aborted) throw interruptedError(project, seen.holder, opts);
    if (verdict.kind === 'dead') {
      tookOver = { seen, reason: verdict.reason };
      await removeSeen(engine, seen);
      create = true;
      continue;
    }
    tookOver = undefined;
    if (verdict.kind !== 'watching' && now >= deadline)
      throw lockHeldError(project, seen.holder, verdict, opts);
    const pause =
      verdict.kind === 'watching' ? Math.min(WATCH_POLL_MS, verdict.untilMs) : Math.min(1000, deadline - now);
    await opts.clock.sleep(Math.max(0, pause), opts.signal);
    create = false;
  }
}

/** The lock container's id, or undefined when the name is taken (the engine decides races). */
async function createLock(
  engine: Engine,
  project: string,
  image: string,
  labels: Record<string, string>,
): Promise<string | undefined> {
  try {
    return await engine.createContainer({
      name: lockName(project),
      image,
      command: ['lock'],
      env: {},
      labels: { [LABEL.project]: project, [LABEL.role]: 'lock', ...labels },
      ports: [],
      mounts: [],
      networks: [],
    });
  } catch (err) {
    if (isEngineError(err, 'conflict')) return undefined;
    throw err;
  }
}

function notifyTakeOver(project: string, seen: SeenLock, reason: string, opts: AcquireOptions): void {
  opts.notify?.({
    level: 'warn',
    code: 'DC_LOCK_TAKEN_OVER',
    text: `took over the lock of project ${project} from a dead run, ${describeHolder(seen.holder, opts.clock.now())}: ${reason}.`,
    data: { holder: seen.holder, reason },
  });
}

function hold(engine: Engine, id: string, settings: LockSettings, clock: Clock): HeldLock {
  const lease = startLease(engine, id, {
    renewMs: settings.renewMs,
    ttlMs: settings.ttlMs,
    clock,
    every: settings.every ?? unrefInterval,
  });
  return {
    id,
    lost: lease.lost,
    release: async () => {
      lease.stop();
      await engine.removeContainer(id, { force: true }).catch(ignoreNotFound);
    },
  };
}

/**
 * The lock container holding the project's lock name with its holder and lease; 'foreign' when
 * the name is used by a container that is not a lock; undefined when there is none (or it went
 * away while being read).
 */
export async function lookAtLock(engine: Engine, project: string): Promise<SeenLock | 'foreign' | undefined> {
  const detail = await engine.inspectContainer(lockName(project));
  if (!detail) return undefined;
  if (detail.labels[LABEL.role] !== 'lock') return 'foreign';
  try {
    return { id: detail.id, holder: holderOf(detail), lease: await readLease(engine, detail.id) };
  } catch (err) {
    if (isEngineError(err, 'not_found')) return undefined;
    // A lock released while its lease is read fails with the engine's removal races ("RWLayer
    // ... is unexpectedly nil", "error processing tar file"), not with a 404: it went away too.
    if (await goneOrGoing(engine, project, detail.id)) return undefined;
    throw err;
  }
}

async function goneOrGoing(engine: Engine, project: string, id: string): Promise<boolean> {
  const again = await engine.inspectContainer(lockName(project));
  return !again || again.id !== id || again.state === 'removing' || again.state === 'dead';
}

/** The current holder, or undefined when the project is not locked. */
export async function readLock(engine: Engine, project: string): Promise<LockHolder | undefined> {
  const seen = await lookAtLock(engine, project);
  return seen && seen !== 'foreign' ? seen.holder : undefined;
}

/** Removes exactly the lock container that was judged; false when it was already gone. */
export async function removeSeen(engine: Engine, seen: SeenLock): Promise<boolean> {
  try {
    await engine.removeContainer(seen.id, { force: true });
    return true;
  } catch (err) {
    ignoreNotFound(err);
    return false;
  }
}

function lockHeldError(
  project: string,
  holder: LockHolder,
  verdict: Verdict,
  opts: AcquireOptions,
): DeployctlError {
  const why =
    verdict.kind === 'unknown'
      ? ` ${cap(verdict.reason)}: if that run crashed and nothing is deploying, release it with \`deployctl unlock --force\`.`
      : ` It is alive (${verdict.kind === 'live' ? verdict.reason : 'judged so far'}). A run that dies is taken over by the next run by itself, once its process is gone or its lease stops moving; \`deployctl unlock --force\` releases a live run's lock by hand.`;
  const waited = opts.timeoutMs > 0 ? ` after waiting ${formatDuration(opts.timeoutMs)}` : '';
  return new DeployctlError(
    'LOCK_HELD',
    `another deployctl run holds the lock of project ${project}${waited}: ${describeHolder(holder, opts.clock.now())}. ` +
      `Nothing was changed. Wait for it to finish, or re-run with --lock-timeout 10m to wait for it.${why}`,
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

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ignoreNotFound(err: unknown): void {
  if (!isEngineError(err, 'not_found')) throw err;
}
