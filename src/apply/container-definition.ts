import { CONFIG_LABEL, LABEL } from '../engine/labels.js';
import type { ContainerDefinition, EngineMount } from '../engine/port.js';
import { serviceDefinition } from '../spec/config-hash.js';
import { appContainerName, type ServiceSpec, type Spec } from '../spec/model.js';

/** The container name a service gets: its fixed name (infra) or its generation's name (apps). */
export function containerNameOf(service: ServiceSpec, spec: Spec, deployId: string): string {
  return service.role === 'infra' && service.containerName
    ? service.containerName
    : appContainerName(spec.project, service.name, deployId);
}

/**
 * Translates a normalized service into the engine-neutral definition apply creates, with the
 * identity labels every deployctl container carries (they are what plan and protection read).
 */
export function containerDefinition(
  service: ServiceSpec,
  spec: Spec,
  deployId: string,
  imageId: string,
): ContainerDefinition {
  const labels: Record<string, string> = {
    ...service.labels,
    [LABEL.project]: spec.project,
    [LABEL.role]: service.role,
    [LABEL.service]: service.name,
    [LABEL.configHash]: service.configHash,
    [LABEL.imageId]: imageId,
    [CONFIG_LABEL]: JSON.stringify(serviceDefinition(service, spec.project, spec.sensitiveValues)),
  };
  if (service.role === 'app') labels[LABEL.deployId] = deployId;

  return {
    name: containerNameOf(service, spec, deployId),
    image: service.image,
    command: service.command,
    entrypoint: service.entrypoint,
    env: service.environment,
    labels,
    ports: service.ports,
    mounts: service.mounts.flatMap(toEngineMount),
    // The service name is an alias on every network so apps reach `db` whatever its container name.
    networks: service.networks.map((name) => ({ name, aliases: [service.name] })),
    restart: service.restart,
    healthcheck: service.healthcheck,
    init: service.init,
    user: service.user,
    workingDir: service.workingDir,
    stopSignal: service.stopSignal,
    stopGracePeriodMs: service.stopGracePeriodMs,
    ...(service.settings ? { settings: service.settings } : {}),
  };
}

function toEngineMount(mount: ServiceSpec['mounts'][number]): EngineMount[] {
  switch (mount.type) {
    case 'volume':
      return [{ type: 'volume', source: mount.name, target: mount.target, readOnly: mount.readOnly }];
    case 'dir':
    case 'bind':
      return [{ type: 'bind', source: mount.source, target: mount.target, readOnly: mount.readOnly }];
    case 'anonymous':
      // An empty source makes the engine create an anonymous volume, as `- /data` does in Compose.
      return [{ type: 'volume', source: '', target: mount.target, readOnly: false }];
  }
}
