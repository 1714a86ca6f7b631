/**
 * CPU used by the container engine itself (dockerd, containerd, the shims and the runc
 * processes they reap) over a short window, read from /proc. Healthchecks are execs, and an
 * exec costs the engine far more than the probe inside the container: 20 containers probed
 * every second can keep a core busy, which every figure measured beside them pays for.
 * Undefined when the engine does not run on this host (no such processes in /proc).
 */
import { readFile, readdir } from 'node:fs/promises';

const ENGINE = /^(dockerd|containerd|containerd-shim.*|runc)$/;
/** Linux's USER_HZ: /proc times are in 1/100 s on every mainstream architecture. */
const TICKS_PER_S = 100;

async function engineTicks(): Promise<number | undefined> {
  let total = 0;
  let found = false;
  for (const pid of (await readdir('/proc').catch(() => [])).filter((d) => /^\d+$/.test(d))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0 || !ENGINE.test(stat.slice(stat.indexOf('(') + 1, close))) continue;
    // After "pid (comm)": state is field 3, utime/stime/cutime/cstime are fields 14-17.
    const f = stat.slice(close + 2).split(' ');
    total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    found = true;
  }
  return found ? total : undefined;
}

/** Share of one core the engine used over `ms` (1.0 = one full core). */
export async function engineCpuShare(ms = 5000): Promise<number | undefined> {
  const before = await engineTicks();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = await engineTicks();
  if (before === undefined || after === undefined) return undefined;
  return (after - before) / TICKS_PER_S / ((performance.now() - t0) / 1000);
}
