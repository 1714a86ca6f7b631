import type Docker from 'dockerode';
import { EngineError } from './engine-error.js';
import { toEngineError } from './engine-failure.js';
import { libpodGet } from './podman-api.js';

/**
 * deployctl gives each container its service name as an alias on every network and relies on
 * the network's DNS to resolve it, as on Docker. A Podman network resolves names only with
 * netavark's aardvark-dns (or CNI's dnsname plugin); without, containers would start and then
 * fail to find each other. Refuse that at once, naming it.
 */
export async function requirePodmanDns(
  docker: Docker,
  name: string,
  endpoint: string,
  /** Made by this run: removed again, so a refused network leaves nothing behind. */
  justCreated: boolean,
): Promise<void> {
  let net: { dns_enabled?: boolean; driver?: string };
  try {
    net = await libpodGet(docker, `/networks/${encodeURIComponent(name)}/json`, {
      200: true,
      404: 'no such network',
      500: 'server error',
    });
  } catch (err) {
    throw toEngineError(err, { action: `inspect network ${name}`, endpoint });
  }
  if (net.dns_enabled !== false) return;
  const removed =
    justCreated &&
    (await docker
      .getNetwork(name)
      .remove()
      .then(
        () => true,
        () => false,
      ));
  throw new EngineError(
    'other',
    `network ${name} on Podman at ${endpoint} has no DNS, so containers could not reach each other by service name (deployctl's network aliases). ` +
      'Podman resolves names on its networks with netavark and aardvark-dns: install them and set network_backend = "netavark" under [network] in containers.conf ' +
      '(or install the CNI dnsname plugin), then re-run. ' +
      (removed
        ? 'The network was removed again.'
        : `The network was left as it is; remove it (podman network rm ${name}) once DNS works, so it is made again with DNS.`),
  );
}
