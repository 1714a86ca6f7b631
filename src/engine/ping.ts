import type Docker from 'dockerode';
import { EngineError } from './engine-error.js';
import { isConnectionError, unreachableReason } from './engine-failure.js';
import type { EngineIdentity, EngineProduct } from './port.js';

/**
 * Podman's Docker-compatible service says who it is only in its component list
 * (`{"Name": "Podman Engine"}`); Docker names its own `Engine`.
 */
export function productOf(v: { Components?: { Name?: string }[] }): EngineProduct {
  return (v.Components ?? []).some((c) => /^podman/i.test(c.Name ?? '')) ? 'Podman' : 'Docker';
}

/**
 * Asks the engine for its versions, giving up after `timeoutMs`: `/version` answers the ping
 * and names the versions in one call. The timer is ours rather than docker-modem's connection
 * timeout, which would also cut long legitimate requests (a stop waits out the grace period).
 */
export async function pingEngine(
  docker: Docker,
  endpoint: string,
  timeoutMs: number,
): Promise<EngineIdentity> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    // dockerode's typings omit the options argument its `version` accepts.
    const withOptions = docker as unknown as {
      version(o: { abortSignal: AbortSignal }): Promise<Docker.DockerVersion>;
    };
    const v = await withOptions.version({ abortSignal: ctrl.signal });
    return { endpoint, serverVersion: v.Version, apiVersion: v.ApiVersion, product: productOf(v) };
  } catch (err) {
    const status = (err as { statusCode?: number } | null)?.statusCode;
    const { why, advice } =
      status === undefined || isConnectionError(err)
        ? unreachableReason(endpoint, err, timeoutMs)
        : {
            why: `something answered but not as a Docker engine (HTTP ${status})`,
            advice: 'Check that DOCKER_HOST points at the Docker engine and not at another service.',
          };
    throw new EngineError(
      'unreachable',
      `Cannot reach the Docker engine at ${endpoint}: ${why}. ${advice} Nothing was changed.`,
      {
        cause: err,
      },
    );
  } finally {
    clearTimeout(timer);
  }
}
