import { LABEL } from '../engine/labels.js';
import type { Engine } from '../engine/port.js';
import { appContainerName, type Spec } from '../spec/model.js';
import type { RevisionService } from './revision.js';

/**
 * What a revision ran, read back from the engine after the run: each infra container and each
 * app container of `deployId`, with the image id it actually runs and its config hash. One call.
 */
export async function runningServices(
  engine: Engine,
  spec: Spec,
  deployId: string,
): Promise<RevisionService[]> {
  const live = await engine.listContainers({
    project: spec.project,
    nameGlobs: spec.infra.services.flatMap((s) => (s.containerName ? [s.containerName] : [])),
  });
  const services: RevisionService[] = [];
  const add = (role: 'infra' | 'app', service: string, container: string, image: string): void => {
    const c = live.find((x) => x.name === container);
    services.push({
      service,
      role,
      container,
      image,
      ...(c?.imageId ? { image_id: c.imageId } : {}),
      ...(c?.labels[LABEL.configHash] ? { config_hash: c.labels[LABEL.configHash] } : {}),
    });
  };
  for (const s of spec.infra.services) if (s.containerName) add('infra', s.name, s.containerName, s.image);
  for (const s of spec.apps.services)
    add('app', s.name, appContainerName(spec.project, s.name, deployId), s.image);
  return services;
}
