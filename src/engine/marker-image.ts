import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { EngineError } from './engine-error.js';
import { toEngineError } from './engine-failure.js';
import { followProgress } from './pull.js';

export const MARKER_REPO = 'deployctl/marker';
export const MARKER_TAG = '1';
export const MARKER_IMAGE = `${MARKER_REPO}:${MARKER_TAG}`;

/** An empty tar archive is two 512-byte zero blocks: an image with an empty root filesystem. */
const EMPTY_TAR = Buffer.alloc(1024);

/**
 * Makes sure `deployctl/marker:1` exists, importing it from an empty archive when missing: no
 * registry, no network, a few hundred bytes. Containers made from it are never started, so it
 * needs no files, only a `Cmd` at create time.
 */
export async function ensureMarkerImage(docker: Docker, endpoint: string): Promise<string> {
  const action = `create the lock image ${MARKER_IMAGE}`;
  try {
    await docker.getImage(MARKER_IMAGE).inspect();
    return MARKER_IMAGE;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw toEngineError(err, { action, endpoint });
  }
  let failure: string | undefined;
  try {
    // The tag goes inside `repo`: Docker reads it there too, and Podman ignores a separate `tag`
    // (it would name the image `:latest`, and the lock would then find no `:1`).
    const stream = await docker.importImage(Readable.from([EMPTY_TAR]), {
      repo: MARKER_IMAGE,
      message: 'deployctl marker: empty image for never-started containers such as the deploy lock',
    });
    failure = await followProgress(docker, stream);
  } catch (err) {
    throw toEngineError(err, { action, endpoint });
  }
  if (failure !== undefined) throw new EngineError('other', `could not ${action}: ${failure}`);
  return MARKER_IMAGE;
}
