import type Docker from 'dockerode';

/**
 * A GET on Podman's own API (libpod), beside its Docker-compatible one, for what the latter
 * cannot say or do. Podman routes libpod calls only under a version prefix; docker-modem adds
 * its own when one is configured (Podman accepts any).
 */
export function libpodGet<T>(
  docker: Docker,
  path: string,
  statusCodes: Record<number, boolean | string>,
): Promise<T> {
  const prefix = (docker.modem as { version?: string }).version ? '' : '/v4.0.0';
  return new Promise<T>((resolve, reject) => {
    docker.modem.dial(
      { path: `${prefix}/libpod${path}`, method: 'GET', options: {}, statusCodes },
      (err: Error | null, data: unknown) => (err ? reject(err) : resolve(data as T)),
    );
  });
}
