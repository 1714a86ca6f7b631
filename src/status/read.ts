import { withHealthProofs } from '../apply/health-proof.js';
import type { Engine } from '../engine/port.js';
import type { Spec } from '../spec/model.js';
import { appNameGlobs, buildStatusReport, reportedContainers, type StatusReport } from './report.js';

/**
 * Reads what `status` reports, without any lock and without changing anything. Engine calls:
 * 2 container lists (by the project label; by infra names and app-like names, one call for all
 * globs), 1 image list, then 1 inspect per reported container (infra + the live generation,
 * at most one per service of the spec), in parallel: 3 + (number of services) at most, whatever
 * the number of kept generations or orphans; plus one read of apply's health record while an
 * app container is still `starting` (apply/health-proof.ts).
 */
export async function readStatus(engine: Engine, spec: Spec, now: () => number): Promise<StatusReport> {
  const nameGlobs = [...spec.infra.services.map((s) => s.containerName ?? s.name), ...appNameGlobs(spec, [])];
  const refs = [...new Set([...spec.infra.services, ...spec.apps.services].map((s) => s.image))];
  const [containers, images] = await Promise.all([
    engine
      .listContainers({ project: spec.project, nameGlobs })
      .then((listed) => withHealthProofs(engine, spec.project, listed)),
    engine.listImages(refs),
  ]);
  const details = new Map(
    (
      await Promise.all(
        reportedContainers(spec, containers).map(
          async (c) => [c.id, await engine.inspectContainer(c.id)] as const,
        ),
      )
    ).flatMap(([id, d]) => (d ? [[id, d] as const] : [])),
  );
  return buildStatusReport({ spec, containers, images, details, now: now() });
}
