import type { SpecPath } from './locate.js';

/**
 * Compose keys a user may paste into deployctl.yaml that deployctl deliberately does not
 * support, with the reason and what to do instead. Unknown keys not listed here are typos
 * (the schema message suggests the closest valid key).
 */
type Context =
  | 'top'
  | 'service'
  | 'resource'
  | 'healthcheck'
  | 'port'
  | 'mount'
  | 'fileMount'
  | 'serviceNetwork'
  | 'dependsOn'
  | 'deploy'
  | 'resources';

const NOT_YET = 'is a Compose key deployctl does not support';
// Compose outside Swarm ignores these too: the file is bind-mounted as it is on the host.
const FILE_AS_IS =
  "is not supported: the file is mounted read-only from the host as it is, so its owner and mode are the host file's; set them there (e.g. chmod 0440 and chgrp on the file) and remove this key";
const SWARM =
  'is a Swarm setting: deployctl runs one container per service on one host; only deploy.resources (limits and reservations) applies, so remove it';

const REASONS: Record<Context, Record<string, string>> = {
  top: {
    services:
      'is not used by deployctl: services go under infra.services (persistent, fixed container_name) or apps.services (disposable, one generation per deploy id); move each one under the right one',
    volumes: 'declares Compose volumes; in deployctl they go under infra.volumes (they are never removed)',
    networks: 'declares Compose networks; in deployctl they go under infra.networks',
    name: "is Compose's project name; deployctl calls it project:",
    include: `${NOT_YET}; keep one spec per project`,
  },
  service: {
    build:
      'is not supported: deployctl deploys images that already exist; build and push the image first (e.g. in CI) and set image:',
    links:
      'is not supported (legacy Compose): services on a shared network already reach each other by service name',
    external_links: "is not supported (legacy Compose): join the other container's network and use its name",
    network_mode:
      'is not supported: services join infra.networks, so apps and infra reach each other by name',
    volumes_from: 'is not supported: mount the same named volume in both services',
    scale: 'is not supported: an app service runs one container per generation',
  },
  resource: {
    name: 'is not supported: the key itself is the name in the engine; rename the key',
    driver_opts: `${NOT_YET}`,
    ipam: `${NOT_YET}`,
    internal: `${NOT_YET}`,
    attachable: `${NOT_YET}`,
    enable_ipv6: `${NOT_YET}`,
  },
  healthcheck: { start_interval: NOT_YET },
  port: { mode: NOT_YET, name: NOT_YET, app_protocol: NOT_YET },
  mount: {
    bind: NOT_YET,
    volume: NOT_YET,
    tmpfs: NOT_YET,
    consistency: NOT_YET,
  },
  fileMount: {
    mode: FILE_AS_IS,
    uid: FILE_AS_IS,
    gid: FILE_AS_IS,
  },
  serviceNetwork: {
    aliases: "is not supported: the service name is always the container's alias on each network",
    ipv4_address: NOT_YET,
    ipv6_address: NOT_YET,
    priority: NOT_YET,
  },
  deploy: Object.fromEntries(
    'mode replicas endpoint_mode labels placement restart_policy rollback_config update_config'
      .split(' ')
      .map((key) => [key, SWARM]),
  ),
  resources: { devices: `${NOT_YET} (GPU and device reservations); use devices: for host devices` },
  dependsOn: {
    restart: 'is not supported: deployctl starts dependencies first and waits for them to be healthy',
    required: 'is not supported: every dependency must be in the spec',
  },
};

// Compose service keys that shape a container in ways the normalized model cannot carry yet.
const OTHER_COMPOSE_SERVICE_KEYS =
  'annotations attach blkio_config cgroup cgroup_parent cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpuset credential_spec develop device_cgroup_rules dns_opt dns_search gpus ipc isolation mac_address mem_swappiness oom_kill_disable oom_score_adj pid post_start pre_stop runtime storage_opt userns_mode uts volume_driver';
for (const key of OTHER_COMPOSE_SERVICE_KEYS.split(' ')) REASONS.service[key] ??= NOT_YET;

/** Why an unknown key at `objectPath` is not supported, or undefined when it is just unknown. */
export function unsupportedReason(objectPath: SpecPath, key: string): string | undefined {
  const context = contextOf(objectPath);
  return context ? REASONS[context][key] : undefined;
}

function contextOf(path: SpecPath): Context | undefined {
  const [a, b, , d, e] = path;
  if (path.length === 0) return 'top';
  if (a === 'infra' && (b === 'volumes' || b === 'networks') && path.length === 3) return 'resource';
  if (b !== 'services') return undefined;
  if (path.length === 3) return 'service';
  if (path.length === 4 && d === 'healthcheck') return 'healthcheck';
  if (path.length === 5 && d === 'ports') return 'port';
  if (path.length === 5 && d === 'volumes') return 'mount';
  if (path.length === 5 && (d === 'secrets' || d === 'configs')) return 'fileMount';
  if (path.length === 5 && d === 'networks' && typeof e === 'string') return 'serviceNetwork';
  if (path.length === 5 && d === 'depends_on') return 'dependsOn';
  if (path.length === 4 && d === 'deploy') return 'deploy';
  if (path.length === 6 && d === 'deploy' && e === 'resources') return 'resources';
  return undefined;
}
