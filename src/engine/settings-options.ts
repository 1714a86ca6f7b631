import type Docker from 'dockerode';
import type { ContainerSettings } from '../spec/model.js';

/** The create body and query fields the Compose settings map onto, per the Engine API. */
export interface SettingsOptions {
  hostConfig: Partial<Docker.HostConfig> & Record<string, unknown>;
  config: Record<string, unknown>;
  /** `platform` is a query parameter of the create call (API 1.41). */
  platform?: string;
}

/**
 * Maps ContainerSettings onto HostConfig and Config exactly as `docker compose up` does:
 * mem_limit → Memory, cpus → NanoCpus, shm_size → ShmSize, logging → LogConfig, and so on.
 */
export function toSettingsOptions(s: ContainerSettings | undefined): SettingsOptions {
  const hostConfig: SettingsOptions['hostConfig'] = {};
  const config: Record<string, unknown> = {};
  if (!s) return { hostConfig, config };
  const set = (target: Record<string, unknown>, key: string, value: unknown): void => {
    if (value !== undefined) target[key] = value;
  };
  if (s.logging) hostConfig.LogConfig = { Type: s.logging.driver ?? '', Config: s.logging.options };
  set(hostConfig, 'Memory', s.memLimit);
  set(hostConfig, 'MemoryReservation', s.memReservation);
  set(hostConfig, 'MemorySwap', s.memswapLimit);
  set(hostConfig, 'NanoCpus', s.nanoCpus);
  set(hostConfig, 'CpuShares', s.cpuShares);
  set(hostConfig, 'PidsLimit', s.pidsLimit);
  set(hostConfig, 'ShmSize', s.shmSize);
  set(
    hostConfig,
    'Ulimits',
    s.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
  );
  set(hostConfig, 'ExtraHosts', s.extraHosts);
  set(hostConfig, 'CapAdd', s.capAdd);
  set(hostConfig, 'CapDrop', s.capDrop);
  set(hostConfig, 'Tmpfs', s.tmpfs);
  set(hostConfig, 'ReadonlyRootfs', s.readOnly);
  set(hostConfig, 'SecurityOpt', s.securityOpt);
  set(hostConfig, 'Sysctls', s.sysctls);
  set(hostConfig, 'Dns', s.dns);
  set(hostConfig, 'GroupAdd', s.groupAdd);
  set(hostConfig, 'Privileged', s.privileged);
  set(
    hostConfig,
    'Devices',
    s.devices?.map((d) => ({
      PathOnHost: d.pathOnHost,
      PathInContainer: d.pathInContainer,
      CgroupPermissions: d.permissions,
    })),
  );
  set(config, 'Hostname', s.hostname);
  set(config, 'Domainname', s.domainname);
  set(config, 'OpenStdin', s.stdinOpen);
  set(config, 'Tty', s.tty);
  const out: SettingsOptions = { hostConfig, config };
  if (s.platform !== undefined) out.platform = s.platform;
  return out;
}
