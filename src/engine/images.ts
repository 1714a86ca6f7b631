import type Docker from 'dockerode';
import { canonicalImageRef } from '../spec/image-ref.js';
import { toEngineError } from './engine-failure.js';
import type { ImageInfo } from './port.js';

/** `repo:tag@sha256:…` is listed by the engine as `repo@sha256:…`. */
function digestForm(ref: string): string {
  const at = ref.indexOf('@');
  const name = ref.slice(0, at);
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  return (colon === -1 ? name : name.slice(0, colon)) + ref.slice(at);
}

function toImageInfo(id: string, tags: string[] | undefined): ImageInfo {
  return { id, repoTags: (tags ?? []).filter((t) => t !== '<none>:<none>') };
}

/**
 * Local images matching any of `refs`, in one call: the engine's `reference` filter narrows
 * the list, then canonical forms decide, so `postgres`, `postgres:latest` and
 * `docker.io/library/postgres` all find the same image and `postgres` never finds `postgres:15`.
 */
export async function listImages(docker: Docker, refs: string[], endpoint: string): Promise<ImageInfo[]> {
  if (refs.length === 0) return [];
  const wanted = new Set(refs.map(canonicalImageRef).map((r) => (r.includes('@') ? digestForm(r) : r)));
  let images: Docker.ImageInfo[];
  try {
    images = await docker.listImages({ filters: { reference: [...wanted] } });
  } catch (err) {
    throw toEngineError(err, { action: `list images ${refs.join(', ')}`, endpoint });
  }
  return images
    .filter(
      (img) =>
        (img.RepoTags ?? []).some((t) => wanted.has(canonicalImageRef(t))) ||
        (img.RepoDigests ?? []).some((d) => wanted.has(d)),
    )
    .map((img) => toImageInfo(img.Id, img.RepoTags));
}

/** The image by reference or id, with the paths it declares as VOLUME; undefined when absent. */
export async function inspectImage(
  docker: Docker,
  ref: string,
  endpoint: string,
): Promise<ImageInfo | undefined> {
  try {
    const img = await docker.getImage(ref).inspect();
    return { ...toImageInfo(img.Id, img.RepoTags), volumes: Object.keys(img.Config?.Volumes ?? {}) };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw toEngineError(err, { action: `inspect image ${ref}`, endpoint });
  }
}
