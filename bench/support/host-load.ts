/**
 * How busy the host was: load average, and Linux's CPU pressure (PSI, the share of time in
 * which runnable tasks waited for a CPU). A benchmark on a shared machine prints these so its
 * wall times can be read for what they are.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface HostLoad {
  loadavg: number[];
  /** PSI `some avg60` of /proc/pressure/cpu, percent; undefined where the kernel lacks PSI. */
  cpuPressure?: number;
}

export function hostLoad(): HostLoad {
  let cpuPressure: number | undefined;
  try {
    // Read once, synchronously: a tiny procfs file.
    const some = /^some .*avg60=([\d.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    if (some) cpuPressure = Number(some[1]);
  } catch {
    cpuPressure = undefined;
  }
  return { loadavg: loadavg(), cpuPressure };
}

export function formatLoad(l: HostLoad): string {
  const avg = `load ${l.loadavg.map((x) => x.toFixed(1)).join(' ')}`;
  return l.cpuPressure === undefined ? avg : `${avg}, CPU pressure ${l.cpuPressure.toFixed(0)}%`;
}
