import { unsupportedReason } from '../spec/compose-unsupported.js';

/** Compose service keys deployctl takes as they are (see schemas/deployctl.schema.json). */
export const CARRIED = new Set(
  (
    'cap_add cap_drop command cpu_shares cpus devices dns domainname entrypoint environment ' +
    'expose extra_hosts group_add healthcheck hostname image init labels logging mem_limit ' +
    'mem_reservation memswap_limit pids_limit platform ports privileged profiles pull_policy ' +
    'read_only restart security_opt shm_size stdin_open stop_grace_period stop_signal sysctls tmpfs ' +
    'tty ulimits user working_dir'
  ).split(' '),
);

/** Sub-keys deployctl does not take, per Compose block, and why. */
export const NESTED_DROPPED: Record<string, Set<string>> = {
  healthcheck: new Set(['start_interval']),
  ports: new Set(['mode', 'name', 'app_protocol']),
  networks: new Set([
    'aliases',
    'ipv4_address',
    'ipv6_address',
    'priority',
    'link_local_ips',
    'mac_address',
    'driver_opts',
    'gw_priority',
  ]),
  depends_on: new Set(['restart', 'required']),
};

/** Why deployctl has no place for a service key, as `validate` would say it. */
export function droppedReason(key: string): string {
  const reason = unsupportedReason(['apps', 'services', 'x'], key);
  if (reason !== undefined) return reason.replace(/^is /, '');
  return 'not a service key deployctl knows';
}
