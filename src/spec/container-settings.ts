import type { IssueList } from './issues.js';
import type { SpecPath } from './locate.js';
import type { ContainerSettings, DeviceMapping, Ulimit } from './model.js';
import type { RawBytes, RawService } from './raw.js';
import { parseBytes, parseCpus } from './size-forms.js';

type At = (...rest: (string | number)[]) => SpecPath;

/**
 * The Compose keys that shape the container beyond the basics, in one canonical form:
 * sizes in bytes, CPUs in nano-CPUs, sets sorted, so `512m` and `536870912` hash the same
 * and re-planning an unchanged spec is always a no-op. `deploy.resources` maps onto the
 * container as Compose does outside Swarm (limits → memory, cpus, pids; reservations →
 * memory; a CPU reservation is a Swarm scheduling hint and is ignored).
 */
export function normalizeSettings(raw: RawService, at: At, issues: IssueList): ContainerSettings | undefined {
  const s: ContainerSettings = {};
  const bytes = (value: RawBytes | undefined, ...path: (string | number)[]): number | undefined => {
    if (value === undefined) return undefined;
    const parsed = parseBytes(value);
    if (typeof parsed === 'string') issues.error(at(...path), parsed);
    return typeof parsed === 'number' ? parsed : undefined;
  };
  const cpus = (value: number | string | undefined, ...path: (string | number)[]): number | undefined => {
    if (value === undefined) return undefined;
    const parsed = parseCpus(value);
    if (typeof parsed === 'string') issues.error(at(...path), parsed);
    return typeof parsed === 'number' ? parsed : undefined;
  };
  // A value given both as a service key and under deploy.resources must agree (as in Compose).
  const either = <T>(key: string, direct: T | undefined, viaDeploy: T | undefined, deployPath: string[]) => {
    if (direct !== undefined && viaDeploy !== undefined && direct !== viaDeploy) {
      issues.error(
        at('deploy', ...deployPath),
        `differs from ${key} on the same service; they set the same limit, so keep only one`,
      );
    }
    return viaDeploy ?? direct;
  };

  if (raw.logging) {
    const options: Record<string, string> = {};
    for (const key of Object.keys(raw.logging.options ?? {}).sort()) {
      const value = raw.logging.options?.[key];
      if (value !== null && value !== undefined) options[key] = String(value);
    }
    s.logging = raw.logging.driver === undefined ? { options } : { driver: raw.logging.driver, options };
  }

  const limits = raw.deploy?.resources?.limits;
  const reservations = raw.deploy?.resources?.reservations;
  s.memLimit = either(
    'mem_limit',
    bytes(raw.mem_limit, 'mem_limit'),
    bytes(limits?.memory, 'deploy', 'resources', 'limits', 'memory'),
    ['resources', 'limits', 'memory'],
  );
  s.memReservation = either(
    'mem_reservation',
    bytes(raw.mem_reservation, 'mem_reservation'),
    bytes(reservations?.memory, 'deploy', 'resources', 'reservations', 'memory'),
    ['resources', 'reservations', 'memory'],
  );
  s.nanoCpus = either(
    'cpus',
    cpus(raw.cpus, 'cpus'),
    cpus(limits?.cpus, 'deploy', 'resources', 'limits', 'cpus'),
    ['resources', 'limits', 'cpus'],
  );
  s.pidsLimit = either('pids_limit', raw.pids_limit, limits?.pids, ['resources', 'limits', 'pids']);
  if (raw.memswap_limit !== undefined) {
    s.memswapLimit = raw.memswap_limit === -1 ? -1 : bytes(raw.memswap_limit, 'memswap_limit');
    if (s.memLimit === undefined) {
      issues.error(
        at('memswap_limit'),
        'needs mem_limit: the engine limits memory + swap only together with a memory limit; add mem_limit',
        'key',
      );
    } else if (s.memswapLimit !== undefined && s.memswapLimit !== -1 && s.memswapLimit < s.memLimit) {
      issues.error(
        at('memswap_limit'),
        'is smaller than mem_limit; it counts memory + swap, so make it at least mem_limit (or -1 for unlimited swap)',
      );
    }
  }
  s.cpuShares = raw.cpu_shares;
  s.shmSize = bytes(raw.shm_size, 'shm_size');

  if (raw.ulimits) {
    s.ulimits = Object.keys(raw.ulimits)
      .sort()
      .map((name): Ulimit => {
        const v = raw.ulimits?.[name] ?? 0;
        const u = typeof v === 'number' ? { name, soft: v, hard: v } : { name, soft: v.soft, hard: v.hard };
        if (u.soft > u.hard)
          issues.error(at('ulimits', name), 'has soft greater than hard; soft must be <= hard');
        return u;
      });
  }
  if (raw.extra_hosts) {
    s.extraHosts = Array.isArray(raw.extra_hosts)
      ? raw.extra_hosts.map((h) => {
          // `host=address` (newer Compose) or `host:address`; a host name never holds either.
          const sep = /[=:]/.exec(h)?.index ?? -1;
          return `${h.slice(0, sep)}:${h.slice(sep + 1)}`;
        })
      : Object.entries(raw.extra_hosts).map(([host, address]) => `${host}:${address}`);
  }
  s.capAdd = capabilities(raw.cap_add);
  s.capDrop = capabilities(raw.cap_drop);
  if (raw.tmpfs !== undefined) {
    const tmpfs: Record<string, string> = {};
    for (const item of typeof raw.tmpfs === 'string' ? [raw.tmpfs] : raw.tmpfs) {
      const colon = item.indexOf(':');
      tmpfs[colon < 0 ? item : item.slice(0, colon)] = colon < 0 ? '' : item.slice(colon + 1);
    }
    s.tmpfs = sortedRecord(tmpfs);
  }
  s.readOnly = raw.read_only;
  s.securityOpt = raw.security_opt && [...raw.security_opt];
  if (raw.sysctls) {
    const sysctls: Record<string, string> = {};
    if (Array.isArray(raw.sysctls)) {
      for (const item of raw.sysctls) {
        const eq = item.indexOf('=');
        sysctls[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
      }
    } else {
      for (const [k, v] of Object.entries(raw.sysctls)) sysctls[k] = String(v);
    }
    s.sysctls = sortedRecord(sysctls);
  }
  s.hostname = raw.hostname;
  s.domainname = raw.domainname;
  s.dns = raw.dns === undefined ? undefined : typeof raw.dns === 'string' ? [raw.dns] : [...raw.dns];
  s.groupAdd = raw.group_add?.map(String);
  s.privileged = raw.privileged;
  s.platform = raw.platform?.toLowerCase();
  s.stdinOpen = raw.stdin_open;
  s.tty = raw.tty;
  if (raw.expose) {
    s.expose = [
      ...new Set(raw.expose.map((p) => (/\//.test(String(p)) ? String(p) : `${String(p)}/tcp`))),
    ].sort();
  }
  if (raw.devices) s.devices = raw.devices.map(device);

  const defined = Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));
  return Object.keys(defined).length > 0 ? defined : undefined;
}

function capabilities(raw: string[] | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return [...new Set(raw.map((c) => c.toUpperCase().replace(/^CAP_/, '')))].sort();
}

/** `/dev/x`, `/dev/x:/dev/y`, `/dev/x:/dev/y:rw`, or the long form {source, target, permissions}. */
function device(raw: string | { source: string; target?: string; permissions?: string }): DeviceMapping {
  if (typeof raw !== 'string') {
    return {
      pathOnHost: raw.source,
      pathInContainer: raw.target ?? raw.source,
      permissions: raw.permissions ?? 'rwm',
    };
  }
  const [host = '', container, permissions] = raw.split(':');
  return { pathOnHost: host, pathInContainer: container || host, permissions: permissions || 'rwm' };
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k] ?? '']),
  );
}
