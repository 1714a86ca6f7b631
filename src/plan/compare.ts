import type { ContainerInfo, ImageInfo } from '../engine/port.js';
import { CONFIG_LABEL, LABEL } from '../engine/labels.js';
import { serviceDefinition } from '../spec/config-hash.js';
import { canonicalImageRef } from '../spec/image-ref.js';
import type { ServiceSpec } from '../spec/model.js';
import type { FieldChange } from './actions.js';
import { diffDefinitions, fieldChange, type Secrets } from './field-changes.js';
import { localImageId, shortId } from './live.js';

export interface Comparison {
  equal: boolean;
  /** The image reference, or the image id behind the same tag, changed. */
  imageChanged: boolean;
  changes: FieldChange[];
  /** A short phrase for the action's detail, e.g. `same tag, new image id` or `changed: ports`. */
  what: string;
}

export interface CompareContext {
  project: string;
  images: ImageInfo[];
  sensitiveValues: readonly string[];
}

const same = (): Comparison => ({ equal: true, imageChanged: false, changes: [], what: 'up to date' });

/**
 * Compares a container deployctl created with what the spec asks for, by the config-hash label
 * and the image id only: engine-defaulted or image-inherited settings never count, so planning
 * the same spec twice is always a no-op. Field-level changes are only computed to explain a
 * difference, from the `deployctl.config` label.
 */
export function compareManaged(c: ContainerInfo, service: ServiceSpec, ctx: CompareContext): Comparison {
  const idMoved = imageIdMoved(c, service, ctx.images);
  const hashEqual = c.labels[LABEL.configHash] === service.configHash;
  if (hashEqual && idMoved === undefined) return same();

  const secrets: Secrets = { keys: new Set(service.sensitiveKeys), values: ctx.sensitiveValues };
  const live = parseConfigLabel(c.labels[CONFIG_LABEL]);
  let changes: FieldChange[] = [];
  if (!hashEqual) {
    changes = live
      ? diffDefinitions(live, serviceDefinition(service, ctx.project, ctx.sensitiveValues), secrets)
      : [];
    // No readable label, or a label that hashes differently but reads the same: say only that it changed.
    if (changes.length === 0) {
      const before = c.labels[LABEL.configHash];
      changes = [
        fieldChange(
          'config',
          before ? `hash ${shortId(before)}` : '(unknown)',
          `hash ${shortId(service.configHash)}`,
          false,
          secrets,
        ),
      ];
    }
  }
  const liveRef = typeof live?.image === 'string' ? live.image : c.image;
  const refChanged = canonicalImageRef(liveRef) !== canonicalImageRef(service.image);
  if (idMoved !== undefined && !refChanged) changes.push(idChange(service.image, idMoved, secrets));
  changes.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  const what = hashEqual
    ? 'same tag, new image id'
    : `changed: ${[...new Set(changes.map((ch) => ch.field))].join(', ')}`;
  return { equal: false, imageChanged: refChanged || idMoved !== undefined, changes, what };
}

/**
 * A container deployctl did not create has no definition to compare: only its image id can be
 * checked against the spec's image, when that image is present locally.
 */
export function compareUnmanaged(c: ContainerInfo, service: ServiceSpec, ctx: CompareContext): Comparison {
  const want = localImageId(ctx.images, service.image);
  if (want === undefined || c.imageId === '' || c.imageId === want) return same();
  const secrets: Secrets = { keys: new Set(service.sensitiveKeys), values: ctx.sensitiveValues };
  const change = fieldChange(
    'image',
    `${c.image} (id ${shortId(c.imageId)})`,
    `${service.image} (id ${shortId(want)})`,
    false,
    secrets,
  );
  return {
    equal: false,
    imageChanged: true,
    changes: [change],
    what: 'runs another image than the spec names',
  };
}

/** The pair of ids when the spec's image, as present locally, is not the one the container runs. */
function imageIdMoved(
  c: ContainerInfo,
  service: ServiceSpec,
  images: ImageInfo[],
): { from: string; to: string } | undefined {
  const want = localImageId(images, service.image);
  const live = c.imageId || c.labels[LABEL.imageId];
  // An image that is not present locally (yet) cannot be compared: the pull decides later.
  if (want === undefined || !live || live === want) return undefined;
  return { from: live, to: want };
}

function idChange(ref: string, moved: { from: string; to: string }, secrets: Secrets): FieldChange {
  return fieldChange(
    'image',
    `${ref} (id ${shortId(moved.from)})`,
    `${ref} (id ${shortId(moved.to)})`,
    false,
    secrets,
  );
}

function parseConfigLabel(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
