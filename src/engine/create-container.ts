import type Docker from 'dockerode';
import { EngineError } from './engine-error.js';
import { toEngineError } from './engine-failure.js';
import { toCreateOptions } from './create-options.js';
import type { ContainerDefinition } from './port.js';

/**
 * Creates the container and joins all its networks before anything starts it. API 1.41 takes
 * one network at create, so the others are connected right after; if that fails the
 * half-made container is removed, so a retry does not meet a name conflict.
 */
export async function createContainer(
  docker: Docker,
  def: ContainerDefinition,
  endpoint: string,
): Promise<string> {
  let container: Docker.Container;
  try {
    container = await docker.createContainer(toCreateOptions(def));
  } catch (err) {
    throw toEngineError(err, { action: `create container ${def.name}`, endpoint });
  }
  for (const net of def.networks.slice(1)) {
    try {
      await docker
        .getNetwork(net.name)
        .connect({ Container: container.id, EndpointConfig: { Aliases: net.aliases } });
    } catch (err) {
      const failure = toEngineError(err, {
        action: `connect container ${def.name} to network ${net.name}`,
        endpoint,
      });
      const removed = await container.remove({ force: true }).then(
        () => true,
        () => false,
      );
      const after = removed
        ? 'The half-made container was removed again.'
        : `Remove the half-made container ${def.name} by hand.`;
      const status = failure.statusCode === undefined ? {} : { statusCode: failure.statusCode };
      throw new EngineError(failure.kind, `${failure.message} ${after}`, { cause: err, ...status });
    }
  }
  return container.id;
}
