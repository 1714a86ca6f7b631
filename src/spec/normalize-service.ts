import { fileMounts, type FileDecls } from './compose-files.js';
import { normalizeSettings } from './container-settings.js';
import { readEnvFiles, readTextSync, type ReadTextSync } from './env-file.js';
import { parseEnvironment } from './env-forms.js';
import { derivedWaitTimeoutMs, ms, parseHealthcheck } from './healthcheck-form.js';
import type { Lookup } from './interpolate.js';
import type { IssueList } from './issues.js';
import { namesOf, parseCommand, parseLabels, sortedRecord } from './list-forms.js';
import type { SpecPath } from './locate.js';
import type { ContainerSettings, Healthcheck, Mount, PortMapping, Role, ServiceSpec } from './model.js';
import { parseMount, type MountContext } from './mount-forms.js';
import { parsePort } from './port-forms.js';
import type { RawService } from './raw.js';

export interface ServiceContext extends MountContext {
  project: string;
  networks: ReadonlySet<string>;
  lookup: Lookup;
  isSecretName: (name: string) => boolean;
  /** Whether the scalar at this path was interpolated from a secret variable. */
  isSensitiveAt: (path: SpecPath) => boolean;
  /** Collects the values of secret environment keys. */
  sensitiveValues: string[];
  issues: IssueList;
  /** `file:line:col` of the key at this path. */
  sourceOf: (path: SpecPath) => string;
  /** Directory of the spec file: the base of `env_file:` paths. */
  specDir: string;
  /** Reads an `env_file:`; the file system unless a test injects another. */
  readText?: ReadTextSync;
  /** Top-level Compose file secrets and configs. */
  files: FileDecls;
}

const DEFAULT_STOP_GRACE_MS = 10_000;

/**
 * Expands one service's Compose forms into a ServiceSpec (without its config hash) and
 * reports what is wrong with the service on its own: bad ports and mounts, references to
 * undeclared volumes, dirs and networks, environment variables that are not set, keys that
 * do not fit the role. Checks that span services live in semantic.ts.
 */
export function normalizeService(
  role: Role,
  name: string,
  raw: RawService,
  ctx: ServiceContext,
): Omit<ServiceSpec, 'configHash'> {
  const base: SpecPath = [role === 'infra' ? 'infra' : 'apps', 'services', name];
  const at = (...rest: (string | number)[]): SpecPath => [...base, ...rest];
  const { issues } = ctx;

  if (role === 'infra' && raw.container_name === undefined) {
    issues.error(
      base,
      `has no container_name; infra services keep one fixed name forever, so add one (e.g. container_name: ${ctx.project}_${name})`,
      'key',
    );
  }
  if (role === 'app' && raw.container_name !== undefined) {
    issues.error(
      at('container_name'),
      `is not allowed on apps: apps are named <project>_<service>_<deploy id> (here ${ctx.project}_${name}_<deploy id>); remove it, or move the service under infra.services if it needs a fixed name`,
      'key',
    );
  }
  if (role === 'app' && raw.database !== undefined) {
    issues.error(
      at('database'),
      'is only allowed on infra services: a database that backup and restore-db act on must outlive app generations; move the service under infra.services',
      'key',
    );
  }

  const command = parseCommand(raw.command);
  if (command.error) issues.error(at('command'), command.error);
  const entrypoint = parseCommand(raw.entrypoint);
  if (entrypoint.error) issues.error(at('entrypoint'), entrypoint.error);

  const env = parseEnvironment(raw.environment, ctx.lookup);
  for (const p of env.problems)
    issues.error(at('environment', p.at), p.message, typeof p.at === 'string' ? 'key' : 'value');
  const environment: Record<string, string> = {};
  const sensitiveKeys: string[] = [];
  // env_file first, so environment: overrides it, as in Compose.
  const fromFiles = readEnvFiles(raw.env_file, ctx.specDir, ctx.readText ?? readTextSync);
  for (const p of fromFiles.problems)
    issues.error(typeof raw.env_file === 'string' ? at('env_file') : at('env_file', p.index), p.message);
  for (const e of fromFiles.entries) {
    if (env.entries.some((x) => x.key === e.key)) continue;
    environment[e.key] = e.value;
    if (ctx.isSecretName(e.key)) {
      sensitiveKeys.push(e.key);
      if (e.value !== '') ctx.sensitiveValues.push(e.value);
    }
  }
  for (const e of env.entries) {
    environment[e.key] = e.value;
    if (ctx.isSecretName(e.key) || ctx.isSensitiveAt(at('environment', e.at))) {
      sensitiveKeys.push(e.key);
      if (e.value !== '') ctx.sensitiveValues.push(e.value);
    }
  }

  const ports: PortMapping[] = [];
  (raw.ports ?? []).forEach((p, i) => {
    const port = parsePort(p);
    if (typeof port === 'string') issues.error(at('ports', i), port);
    else ports.push(port);
  });

  const mounts: Mount[] = [];
  (raw.volumes ?? []).forEach((v, i) => {
    const mount = parseMount(v, ctx);
    if (typeof mount === 'string') issues.error(at('volumes', i), mount);
    else mounts.push(mount);
  });

  const files = fileMounts({ secrets: raw.secrets, configs: raw.configs }, ctx.files, {
    project: ctx.project,
    issues,
    at,
    read: ctx.readText ?? readTextSync,
  });
  mounts.push(...files.mounts);

  const networks = namesOf(raw.networks);
  networks.forEach((network, i) => {
    if (!ctx.networks.has(network)) {
      const where = Array.isArray(raw.networks) ? at('networks', i) : at('networks', network);
      issues.error(
        where,
        `refers to undefined network "${network}"; declare it under infra.networks`,
        Array.isArray(raw.networks) ? 'value' : 'key',
      );
    }
  });

  const labels = parseLabels(raw.labels);
  for (const key of Object.keys(labels).filter((k) => k.startsWith('deployctl.'))) {
    const list = Array.isArray(raw.labels) ? raw.labels : undefined;
    const where = list
      ? at(
          'labels',
          list.findIndex((l) => l === key || l.startsWith(`${key}=`)),
        )
      : at('labels', key);
    issues.error(
      where,
      'uses the deployctl. prefix, which is reserved for the labels deployctl puts on what it creates; rename it',
      list ? 'value' : 'key',
    );
  }

  let healthcheck: Healthcheck | undefined;
  if (raw.healthcheck) {
    const parsed = parseHealthcheck(raw.healthcheck);
    if (typeof parsed === 'string') issues.error(at('healthcheck'), parsed, 'key');
    else healthcheck = parsed;
  }

  if (role === 'infra' && !mounts.some((m) => m.type !== 'anonymous')) {
    const anonymous = mounts.length > 0 ? ' (anonymous volumes are left behind, not reattached)' : '';
    issues.warning(
      base,
      `has no named volume, dir or bind mount: its data lives in the container layer and is lost when it is recreated${anonymous}; mount an infra.volumes or infra.dirs entry if it keeps state`,
      'key',
    );
  }

  return withoutUndefined({
    name,
    role,
    containerName: role === 'infra' ? raw.container_name : undefined,
    image: raw.image,
    pullPolicy: raw.pull_policy ?? 'missing',
    command: command.words,
    entrypoint: entrypoint.words,
    environment: sortedRecord(environment),
    sensitiveKeys: sensitiveKeys.sort(),
    ports,
    mounts,
    networks,
    labels,
    restart: raw.restart,
    healthcheck,
    dependsOn: namesOf(raw.depends_on),
    init: raw.init,
    user: raw.user,
    workingDir: raw.working_dir,
    stopSignal: raw.stop_signal,
    stopGracePeriodMs: ms(raw.stop_grace_period) ?? DEFAULT_STOP_GRACE_MS,
    waitTimeoutMs: ms(raw.wait_timeout) ?? derivedWaitTimeoutMs(healthcheck),
    database: role === 'infra' && raw.database ? { ...raw.database } : undefined,
    settings: withFiles(normalizeSettings(raw, at, issues), files.hashes),
    source: ctx.sourceOf(base),
  });
}

/** Optional fields are absent rather than `undefined`, so specs compare and print cleanly. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function withFiles(
  settings: ContainerSettings | undefined,
  hashes: Record<string, string>,
): ContainerSettings | undefined {
  if (Object.keys(hashes).length === 0) return settings;
  const mountedFiles = Object.fromEntries(
    Object.keys(hashes)
      .sort()
      .map((k) => [k, hashes[k] ?? '']),
  );
  return { ...settings, mountedFiles };
}
