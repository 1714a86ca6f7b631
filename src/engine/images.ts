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

/** No registry in the name (`app:v1`, `team/app`): the engine decides where it comes from. */
function isShortName(ref: string): boolean {
  const first = ref.trim().split('/')[0] ?? '';
  return !ref.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost');
}

/**
 * Local images matching any of `refs`, in one call: the engine's `reference` filter narrows
 * the list, then canonical forms decide, so `postgres`, `postgres:latest` and
 * `docker.io/library/postgres` all find the same image and `postgres` never finds `postgres:15`.
 *
 * Podman resolves a name without a registry first as `localhost/NAME` (what `podman load`,
 * `import` and `build` call an image), then as `docker.io/NAME`. With `podman` set the same
 * rule picks the image, which is then listed under the name the caller asked for as well.
 */
export async function listImages(
  docker: Docker,
  refs: string[],
  endpoint: string,
  opts: { podman?: boolean } = {},
): Promise<ImageInfo[]> {
  if (refs.length === 0) return [];
  const wanted = new Set(refs.map(canonicalImageRef).map((r) => (r.includes('@') ? digestForm(r) : r)));
  let images: Docker.ImageInfo[];
  try {
    // Podman's `reference` filter does not match `localhost/NAME` for NAME: list them all.
    images = await docker.listImages(opts.podman ? {} : { filters: { reference: [...wanted] } });
  } catch (err) {
    throw toEngineError(err, { action: `list images ${refs.join(', ')}`, endpoint });
  }
  if (opts.podman) return resolveAsPodman(images, refs);
  return images
    .filter(
      (img) =>
        (img.RepoTags ?? []).some((t) => wanted.has(canonicalImageRef(t))) ||
        (img.RepoDigests ?? []).some((d) => wanted.has(d)),
    )
    .map((img) => toImageInfo(img.Id, img.RepoTags));
}

/** Each reference to the one image Podman would use for it, listed under that reference too. */
function resolveAsPodman(images: Docker.ImageInfo[], refs: string[]): ImageInfo[] {
  const chosen = new Map<string, ImageInfo>();
  const hasTag = (img: Docker.ImageInfo, ref: string): boolean =>
    (img.RepoTags ?? []).some((t) => canonicalImageRef(t) === ref) || (img.RepoDigests ?? []).includes(ref);
  for (const ref of refs) {
    const canonical = canonicalImageRef(ref);
    const exact = canonical.includes('@') ? digestForm(canonical) : canonical;
    const local = isShortName(ref) && !canonical.includes('@') ? `localhost/${canonical}` : undefined;
    const img =
      (local !== undefined ? images.find((i) => hasTag(i, local)) : undefined) ??
      images.find((i) => hasTag(i, exact));
    if (!img) continue;
    const info = chosen.get(img.Id) ?? toImageInfo(img.Id, img.RepoTags);
    if (!info.repoTags.some((t) => canonicalImageRef(t) === canonical)) info.repoTags.push(canonical);
    chosen.set(img.Id, info);
  }
  return [...chosen.values()];
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
