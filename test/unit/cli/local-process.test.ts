import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { LockHolder } from '../../../src/apply/lock-holder.js';
import { probeLocalHolder, selfIdentity, startTimeOf } from '../../../src/cli/local-process.js';

const linux = process.platform === 'linux';

function holder(over: Partial<LockHolder>): LockHolder {
  return {
    ...selfIdentity(),
    deployId: 'd1',
    command: 'deployctl apply',
    since: new Date().toISOString(),
    ...over,
  };
}

/** A pid that ran and is gone now. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

describe.runIf(linux)('judging a lock holder on this machine', () => {
  it('GIVEN this very process WHEN probed THEN it is alive, with its start time and pid namespace recorded', () => {
    const self = selfIdentity();
    expect(self.pidStart).toMatch(/^\d+$/);
    expect(self.pidNamespace).toBe(readlinkSync('/proc/self/ns/pid'));
    expect(probeLocalHolder(holder({}))).toEqual({ alive: true });
  });

  it('GIVEN a pid that no longer runs WHEN probed THEN gone, saying so', () => {
    const pid = deadPid();
    expect(probeLocalHolder(holder({ pid, pidStart: '1' }))).toEqual({
      gone: `its process ${pid} no longer runs on this host`,
    });
  });

  it('GIVEN a pid that runs again as another process (start time differs) WHEN probed THEN gone: pid reuse is not life', () => {
    const verdict = probeLocalHolder(holder({ pidStart: String(Number(startTimeOf(process.pid)) - 1) }));
    expect(verdict).toEqual({
      gone: `pid ${process.pid} now belongs to another process (it started at another time)`,
    });
  });

  it('GIVEN another host, or another pid namespace under this host name WHEN probed THEN not judged here (the lease decides)', () => {
    expect(probeLocalHolder(holder({ host: `${hostname()}-elsewhere`, pid: deadPid() }))).toBeUndefined();
    expect(probeLocalHolder(holder({ pidNamespace: 'pid:[1]', pid: deadPid() }))).toBeUndefined();
  });
});
