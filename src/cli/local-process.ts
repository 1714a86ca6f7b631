import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { LockHolder } from '../apply/lock-holder.js';
import type { LocalVerdict } from '../apply/lock-liveness.js';

/**
 * What this machine's OS can prove about a lock holder's process. A pid alone is not enough:
 * pids are reused, and a CI runner in a container sees its own pid namespace under the host's
 * name. So the lock records the process's start time and pid namespace (Linux /proc), and a
 * holder is judged here only when both name this machine and this namespace.
 */

/** This process as the lock labels record it; fields the OS cannot give are left out. */
export function selfIdentity(): Pick<LockHolder, 'host' | 'pid' | 'pidStart' | 'pidNamespace'> {
  const pidStart = startTimeOf(process.pid);
  const pidNamespace = ownPidNamespace();
  return {
    host: hostname(),
    pid: process.pid,
    ...(pidStart !== undefined && { pidStart }),
    ...(pidNamespace !== undefined && { pidNamespace }),
  };
}

/** Gone (with why), alive, or undefined when the holder ran on another machine or namespace. */
export function probeLocalHolder(holder: LockHolder): LocalVerdict {
  if (holder.host !== hostname()) return undefined;
  const ours = ownPidNamespace();
  if (holder.pidNamespace !== undefined && ours !== undefined && holder.pidNamespace !== ours)
    return undefined;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return undefined;
  if (!pidRuns(holder.pid)) return { gone: `its process ${holder.pid} no longer runs on this host` };
  if (holder.pidStart !== undefined) {
    const now = startTimeOf(holder.pid);
    if (now !== undefined && now !== holder.pidStart)
      return { gone: `pid ${holder.pid} now belongs to another process (it started at another time)` };
  }
  return { alive: true };
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/PID/stat: start time in clock ticks since boot. Undefined off Linux. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 is the command in parentheses and may hold spaces and ')': split after the last one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3];
  } catch {
    return undefined;
  }
}

let namespace: string | null | undefined;
function ownPidNamespace(): string | undefined {
  if (namespace === undefined) {
    try {
      namespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      namespace = null;
    }
  }
  return namespace ?? undefined;
}
