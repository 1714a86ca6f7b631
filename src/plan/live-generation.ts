import { LABEL } from '../engine/labels.js';
import { appContainerName, type Spec } from '../spec/model.js';
import { generationsNewestFirst, isOwned, isRenamedAside, localImageId } from './live.js';
import type { ObservedState } from './observed.js';
import { isProven } from './unproven.js';

/**
 * The deploy id of the serving app generation (the newest live one, see generationsNewestFirst)
 * when it already runs exactly this spec (every app running and proven healthy, same config hash,
 * same image id); otherwise undefined. An unhealthy or still-starting generation does not count:
 * reusing its id would call it done without a health gate.
 *
 * Used only when no deploy id was given: without it a generated timestamp would make every
 * plain `deployctl apply` a new generation, and "run twice, nothing changes" would not hold.
 * "Serving", not "newest created": after a rollback by deploy id (`apply --deploy-id <kept>`)
 * the serving generation is older than the one it replaced.
 */
export function matchingLiveGeneration(spec: Spec, observed: ObservedState): string | undefined {
  if (spec.apps.services.length === 0) return undefined;
  const apps = observed.containers.filter((c) => isOwned(c, spec.project, 'app') && !isRenamedAside(c));
  const newest = generationsNewestFirst(apps)[0];
  if (!newest) return undefined;
  const matches = spec.apps.services.every((service) => {
    const c = newest.containers.find(
      (x) => x.name === appContainerName(spec.project, service.name, newest.deployId),
    );
    return (
      c !== undefined &&
      isProven(c) &&
      c.labels[LABEL.configHash] === service.configHash &&
      c.imageId === localImageId(observed.images, service.image)
    );
  });
  return matches ? newest.deployId : undefined;
}
