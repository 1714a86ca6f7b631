import { existsSync } from 'node:fs';
import { ASIDE_SUFFIX } from '../engine/labels.js';
import type { Engine, ImageInfo } from '../engine/port.js';
import { canonicalImageRef } from '../spec/image-ref.js';
import { allServices, appContainerName, type Spec } from '../spec/model.js';
import type { ObservedState } from '../plan/observed.js';
import { readLiveRoutes } from '../traffic/read-routes.js';
import { withHealthProofs } from './health-proof.js';

/**
 * Reads the live state a plan needs with a constant number of engine calls: containers (by the
 * project label, and by the names deployctl must not collide with), volumes, networks, the
 * spec's images, and with `proxy:` the routes the proxy runs. Only infra images are inspected,
 * for the VOLUME declarations a list omits; the health record is read only while an app
 * container is still `starting` (health-proof.ts).
 */
export async function observe(engine: Engine, spec: Spec, deployId: string): Promise<ObservedState> {
  const nameGlobs = [
    // Infra names, and copies of them left aside by an interrupted replace.
    ...spec.infra.services.flatMap((s) =>
      s.containerName ? [s.containerName, `${s.containerName}${ASIDE_SUFFIX}*`] : [],
    ),
    ...spec.cleanup.protect,
    ...spec.apps.services.map((s) => appContainerName(spec.project, s.name, deployId)),
  ];
  const refs = [...new Set(allServices(spec).map((s) => s.image))];
  // Containers that use infra volumes, whatever their name or labels: see plan/volume-sharing.ts.
  const infraVolumes = [
    ...new Set(
      spec.infra.services.flatMap((s) => s.mounts.flatMap((m) => (m.type === 'volume' ? [m.name] : []))),
    ),
  ];
  const [containers, volumes, networks, listed, proxyRoutes] = await Promise.all([
    engine
      .listContainers({ project: spec.project, nameGlobs, volumes: infraVolumes })
      .then((listed) => withHealthProofs(engine, spec.project, listed)),
    engine.listVolumes(),
    engine.listNetworks(),
    engine.listImages(refs),
    readLiveRoutes(engine, spec),
  ]);
  const images = await withInfraImageVolumes(engine, spec, listed);
  const dirs = Object.fromEntries(spec.infra.dirs.map((d) => [d.name, existsSync(d.path)]));
  const observed: ObservedState = { containers, volumes, networks, images, dirs };
  if (proxyRoutes !== undefined) observed.proxyRoutes = proxyRoutes;
  return observed;
}

async function withInfraImageVolumes(engine: Engine, spec: Spec, images: ImageInfo[]): Promise<ImageInfo[]> {
  const infraRefs = new Set(spec.infra.services.map((s) => canonicalImageRef(s.image)));
  return Promise.all(
    images.map(async (image) => {
      if (image.volumes || !image.repoTags.some((t) => infraRefs.has(canonicalImageRef(t)))) return image;
      const detail = await engine.inspectImage(image.id);
      return detail ? { ...image, volumes: detail.volumes ?? [] } : image;
    }),
  );
}
