import { existsSync } from 'node:fs';
import { ASIDE_SUFFIX } from '../engine/labels.js';
import type { Engine } from '../engine/port.js';
import type { DownObserved } from '../plan/down.js';
import type { Spec } from '../spec/model.js';

/**
 * Reads what `down` is planned from with three engine calls: the project's containers, those
 * named like its infra, its protect globs or its apps (so an unmanaged lookalike is seen, and
 * listed as untouched), volumes and networks; and whether each infra dir exists.
 */
export async function observeDown(engine: Engine, spec: Spec): Promise<DownObserved> {
  const nameGlobs = [
    ...spec.infra.services.flatMap((s) =>
      s.containerName ? [s.containerName, `${s.containerName}${ASIDE_SUFFIX}*`] : [],
    ),
    ...spec.cleanup.protect,
    ...spec.apps.services.map((s) => `${spec.project}_${s.name}_*`),
  ];
  const [containers, volumes, networks] = await Promise.all([
    engine.listContainers({ project: spec.project, nameGlobs }),
    engine.listVolumes(),
    engine.listNetworks(),
  ]);
  const dirs = Object.fromEntries(spec.infra.dirs.map((d) => [d.name, existsSync(d.path)]));
  return { containers, volumes, networks, dirs };
}
