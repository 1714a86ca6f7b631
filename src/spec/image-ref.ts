/**
 * Canonical form of an image reference, so `postgres`, `postgres:latest` and
 * `docker.io/library/postgres:latest` compare equal to what the engine lists in RepoTags.
 */
export function canonicalImageRef(ref: string): string {
  let r = ref.trim();
  if (r.startsWith('docker.io/library/')) r = r.slice('docker.io/library/'.length);
  else if (r.startsWith('index.docker.io/library/')) r = r.slice('index.docker.io/library/'.length);
  else if (r.startsWith('docker.io/')) r = r.slice('docker.io/'.length);
  if (r.includes('@')) return r;
  const lastSlash = r.lastIndexOf('/');
  const hasTag = r.indexOf(':', lastSlash + 1) !== -1;
  return hasTag ? r : `${r}:latest`;
}
