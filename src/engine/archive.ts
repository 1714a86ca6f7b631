import type Docker from 'dockerode';
import tar from 'tar-stream';
import { engineMessage, toEngineError } from './engine-failure.js';
import type { ReadFile, StoredFile } from './port.js';

/**
 * Files in and out of a container through the engine's archive API (`docker cp`). It works on a
 * container that was created and never started, and reaches the volumes mounted into it: that is
 * how deployctl keeps small records on the engine host itself without running anything there.
 */

/** Writes `files` into directory `dir` of the container (created as needed); one request. */
export async function writeFiles(
  docker: Docker,
  container: string,
  dir: string,
  files: StoredFile[],
  endpoint: string,
): Promise<void> {
  const pack = tar.pack();
  // Extracted at the top directory of `dir` with the rest in each entry's name: the engine
  // creates missing directories along an entry's path, but refuses a target path that does not
  // exist yet. Not at `/`: Podman picks the volume to write into by the target path alone, so
  // files for a volume mounted at /state, extracted at `/`, would land under it in the
  // container's own filesystem, hidden by the volume.
  const [top = '', ...rest] = dir.split('/').filter(Boolean);
  const sub = rest.join('/');
  for (const f of files) {
    const name = sub ? `${sub}/${f.name}` : f.name;
    pack.entry({ name, mode: 0o600, mtime: new Date() }, Buffer.from(f.content));
  }
  pack.finalize();
  const body = await collect(pack);
  try {
    await docker.getContainer(container).putArchive(body, { path: `/${top}` });
  } catch (err) {
    throw toEngineError(err, { action: `write ${files.length} file(s) into ${container}:${dir}`, endpoint });
  }
}

/**
 * The regular files under `path` (a directory or one file), names relative to it; [] when the
 * path does not exist. One request, read whole: these are small records, not dumps.
 */
export async function readFiles(
  docker: Docker,
  container: string,
  path: string,
  endpoint: string,
): Promise<ReadFile[]> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.getContainer(container).getArchive({ path });
  } catch (err) {
    // 404 is both "no such path" (an empty answer) and "no such container" (an error).
    // docker-modem says "no such container" for both; the engine's own message tells them apart
    // (Docker: "No such container: X"; Podman: "no container with name or ID … : no such container").
    const missingPath = !/no such container/i.test(engineMessage(err));
    if ((err as { statusCode?: number }).statusCode === 404 && missingPath) return [];
    throw toEngineError(err, { action: `read ${container}:${path}`, endpoint });
  }
  return untar(stream);
}

function untar(stream: NodeJS.ReadableStream): Promise<ReadFile[]> {
  return new Promise((resolve, reject) => {
    const files: ReadFile[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, entry, next) => {
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        // The archive's first component is the requested path's own name: strip it.
        const name = header.name.split('/').slice(1).join('/') || header.name;
        if (header.type === 'file') files.push({ name, content: Buffer.concat(chunks) });
        next();
      });
      entry.resume();
    });
    extract.on('finish', () => resolve(files));
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
}

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
