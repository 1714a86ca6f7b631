import { createHash } from 'node:crypto';
import { MIN_LENGTH } from './masker.js';
import type { ServiceSpec } from './model.js';

/**
 * The part of a service definition that shapes its container, as plain JSON with stable key
 * order and secrets replaced by a salted hash: environment values by key (sensitiveKeys), and
 * any other string that contains one of the spec's sensitive values (a password in `command`). Stored on every container as the
 * `deployctl.config` label; its hash is the `deployctl.config-hash` label.
 *
 * Left out on purpose: settings that never reach the container (pull policy, wait timeout,
 * depends_on, database) so changing them does not recreate anything.
 */
export type ServiceDefinition = Record<string, unknown>;

export function serviceDefinition(
  service: Omit<ServiceSpec, 'configHash'>,
  project: string,
  sensitiveValues: readonly string[],
): ServiceDefinition {
  const secret = new Set(service.sensitiveKeys);
  const environment: Record<string, string> = {};
  for (const key of Object.keys(service.environment).sort()) {
    const value = service.environment[key] ?? '';
    environment[key] = secret.has(key) ? maskedHash(project, key, value) : value;
  }
  const secrets = sensitiveValues.filter((v) => v.length >= MIN_LENGTH);
  const rest = maskStrings(
    {
      image: service.image,
      containerName: service.containerName,
      command: service.command,
      entrypoint: service.entrypoint,
      ports: service.ports,
      mounts: service.mounts,
      networks: service.networks,
      labels: service.labels,
      restart: service.restart,
      healthcheck: service.healthcheck,
      init: service.init,
      user: service.user,
      workingDir: service.workingDir,
      stopSignal: service.stopSignal,
      stopGracePeriodMs: service.stopGracePeriodMs,
      // Flat, so plan names the one setting that changed (memLimit, logging, ...).
      ...service.settings,
    },
    (text, path) => (secrets.some((v) => text.includes(v)) ? maskedHash(project, path, text) : text),
  ) as Record<string, unknown>;
  return sortKeys({ ...rest, environment }) as ServiceDefinition;
}

/** Deep copy applying `mask` to every string leaf, with the leaf's dotted path. */
function maskStrings(value: unknown, mask: (text: string, path: string) => string, path = ''): unknown {
  if (typeof value === 'string') return mask(value, path);
  if (Array.isArray(value)) return value.map((v, i) => maskStrings(v, mask, `${path}.${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, maskStrings(v, mask, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

export function configHash(definition: ServiceDefinition): string {
  return sha256(JSON.stringify(definition));
}

/** How a secret value appears in stored definitions: comparable, never reversible by reading. */
export function maskedHash(project: string, key: string, value: string): string {
  return `sha256:${sha256(`${project}\0${key}\0${value}`).slice(0, 16)}`;
}

export function isMaskedHash(value: unknown): boolean {
  return typeof value === 'string' && /^sha256:[0-9a-f]{16}$/.test(value);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Deep copy with object keys sorted and undefined values dropped: a canonical JSON form. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
