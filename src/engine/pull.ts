import type Docker from 'dockerode';
import { EngineError } from './engine-error.js';
import { toEngineError } from './engine-failure.js';
import type { AuthLookupOptions } from './registry-auth.js';
import { resolveRegistryAuth } from './registry-auth.js';

/** One line of the engine's JSON progress stream. */
export interface ProgressEvent {
  id?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** `<layer>: Downloading [==>   ] 1.2MB/5MB`, the way the docker CLI prints a line. */
export function formatProgress(e: ProgressEvent): string {
  return [e.id ? `${e.id}:` : '', e.status ?? '', e.progress ?? ''].filter(Boolean).join(' ');
}

/** The registry's own words when a progress event reports a failure, else undefined. */
export function progressError(e: ProgressEvent): string | undefined {
  if (e.errorDetail?.message) return e.errorDetail.message;
  return e.error || undefined;
}

/**
 * Reads a JSON-lines progress stream to its end. The engine answers 200 and reports a failure
 * inside the stream (`{"error": …}`), so a clean end of the stream is not success by itself.
 */
export function followProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onProgress?: (line: string) => void,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve(failure)),
      (event: ProgressEvent) => {
        const error = progressError(event);
        if (error !== undefined) failure ??= error;
        else if (onProgress) onProgress(formatProgress(event));
      },
    );
  });
}

export interface PullContext extends AuthLookupOptions {
  endpoint: string;
}

/** Pulls `ref` with the credentials the docker CLI would use; every failure is `pull_failed`. */
export async function pullImage(
  docker: Docker,
  ref: string,
  ctx: PullContext,
  onProgress?: (line: string) => void,
): Promise<void> {
  const fail = (err: unknown): EngineError =>
    toEngineError(err, { action: `pull ${ref}`, endpoint: ctx.endpoint, kind: 'pull_failed' });
  const auth = await resolveRegistryAuth(ref, ctx);
  let failure: string | undefined;
  try {
    const stream = await docker.pull(ref, auth ? { authconfig: auth } : {});
    failure = await followProgress(docker, stream, onProgress);
  } catch (err) {
    throw fail(err);
  }
  if (failure !== undefined) {
    throw new EngineError('pull_failed', `could not pull ${ref}: ${failure}`);
  }
}
