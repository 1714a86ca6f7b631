import type { ContainerDetail } from '../engine/port.js';
import { formatDuration } from '../util/clock.js';

/** Who holds a lock: enough for a person to find the holder, and for a later run to judge it. */
export interface LockHolder {
  host: string;
  pid: number;
  deployId: string;
  command: string;
  /** ISO time the lock was taken (the holder's clock: shown, never compared). */
  since: string;
  /**
   * When the holder's process started, as the OS counts it (Linux: /proc/PID/stat field 22).
   * A pid that runs again with another start time is a new process: the holder is gone.
   */
  pidStart?: string;
  /** The pid namespace the pid belongs to (Linux: /proc/self/ns/pid); pids of others mean nothing. */
  pidNamespace?: string;
  /** How often the holder renews its lease; absent on locks of versions that kept none. */
  renewMs?: number;
}

const LABELS = {
  host: 'deployctl.lock.host',
  pid: 'deployctl.lock.pid',
  deployId: 'deployctl.lock.deploy-id',
  command: 'deployctl.lock.command',
  since: 'deployctl.lock.since',
  pidStart: 'deployctl.lock.pid-start',
  pidNamespace: 'deployctl.lock.pid-namespace',
  renewMs: 'deployctl.lock.renew-ms',
} as const;

/** The labels the lock container carries: the holder is written once, at create, atomically. */
export function holderLabels(holder: LockHolder): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.host]: holder.host,
    [LABELS.pid]: String(holder.pid),
    [LABELS.deployId]: holder.deployId,
    [LABELS.command]: holder.command,
    [LABELS.since]: holder.since,
  };
  if (holder.pidStart !== undefined) labels[LABELS.pidStart] = holder.pidStart;
  if (holder.pidNamespace !== undefined) labels[LABELS.pidNamespace] = holder.pidNamespace;
  if (holder.renewMs !== undefined) labels[LABELS.renewMs] = String(holder.renewMs);
  return labels;
}

/** The holder named by a lock container's labels. */
export function holderOf(detail: ContainerDetail): LockHolder {
  const l = detail.labels;
  const renewMs = Number(l[LABELS.renewMs]);
  return {
    host: l[LABELS.host] ?? 'unknown host',
    pid: Number(l[LABELS.pid] ?? 0),
    deployId: l[LABELS.deployId] ?? 'unknown',
    command: l[LABELS.command] ?? 'unknown',
    since: l[LABELS.since] ?? new Date(detail.createdAt).toISOString(),
    ...(l[LABELS.pidStart] !== undefined && { pidStart: l[LABELS.pidStart] }),
    ...(l[LABELS.pidNamespace] !== undefined && { pidNamespace: l[LABELS.pidNamespace] }),
    ...(Number.isFinite(renewMs) && renewMs > 0 && { renewMs }),
  };
}

/** One phrase naming the holder, e.g. for LOCK_HELD and the take-over warning. */
export function describeHolder(holder: LockHolder, now: number): string {
  const age = formatDuration(Math.max(0, now - Date.parse(holder.since)));
  return `${holder.command} on host ${holder.host}, pid ${holder.pid}, deploy id ${holder.deployId}, since ${holder.since} (${age} ago)`;
}
