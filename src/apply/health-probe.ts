import type { Engine } from '../engine/port.js';
import type { Healthcheck, ServiceSpec } from '../spec/model.js';

/** Docker's default healthcheck timeout, used when the spec leaves it out. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The process Docker runs for a healthcheck, as an argv; undefined when there is none to run
 * here (`NONE`, or an empty test that inherits the image's, which the spec does not show).
 * `CMD-SHELL` runs through `/bin/sh -c`, as Docker does on Linux.
 */
export function probeArgv(hc: Healthcheck | undefined): string[] | undefined {
  const [kind, ...rest] = hc?.test ?? [];
  if (kind === 'CMD' && rest.length > 0) return rest;
  if (kind === 'CMD-SHELL' && rest.length > 0) return ['/bin/sh', '-c', rest.join(' ')];
  return undefined;
}

/**
 * Whether apply may open a service's health gate on its own run of the healthcheck, before the
 * engine's first one (which Docker before Engine 25 runs only after a full `interval`).
 * Not for a service routed by Traefik (any `traefik.*` label): Traefik sends traffic only to
 * containers the engine itself calls healthy, so retiring the old generation before that
 * verdict would leave it without a backend.
 */
export function probeFor(service: ServiceSpec): string[] | undefined {
  if (Object.keys(service.labels).some((k) => k.startsWith('traefik.'))) return undefined;
  return probeArgv(service.healthcheck);
}

/**
 * Runs the healthcheck's command once in the container, with its timeout, as the engine would;
 * true when it exits 0. Any failure to run it (the container stopped, an engine error) is a
 * `false`: the gate then keeps waiting for the engine's verdict, never passing on a doubt.
 */
export async function runProbe(
  engine: Engine,
  container: string,
  argv: string[],
  timeoutMs: number | undefined,
  signal?: AbortSignal,
): Promise<boolean> {
  const timeout = AbortSignal.timeout(timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    const result = await engine.exec(container, argv, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    return result.exitCode === 0;
  } catch {
    return false;
  }
}
