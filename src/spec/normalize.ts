import { fileDecls } from './compose-files.js';
import { resolve } from 'node:path';
import { configHash, serviceDefinition, sha256, sortKeys } from './config-hash.js';
import type { IssueList } from './issues.js';
import { parseLabels } from './list-forms.js';
import type { DirSpec, NetworkSpec, ServiceSpec, Spec, VolumeSpec } from './model.js';
import { normalizeService, type ServiceContext } from './normalize-service.js';
import type { RawResource, RawSpec } from './raw.js';
import { checkSemantics } from './semantic.js';
import { parseDuration } from './duration.js';

export interface NormalizeInput {
  raw: RawSpec;
  /** Absolute path of the spec file. */
  file: string;
  dir: string;
  deployId?: string;
  deployIdSource?: 'flag' | 'env' | 'generated';
  dbService?: string;
}

export type NormalizeContext = Omit<
  ServiceContext,
  'project' | 'volumes' | 'dirs' | 'networks' | 'sensitiveValues' | 'specDir' | 'files'
> & {
  issues: IssueList;
};

const DEFAULT_KEEP_GENERATIONS = 2;
const DEFAULT_BACKUP_DIR = './backups';
const DEFAULT_HISTORY_KEEP = 100;
const DEFAULT_BACKUP_KEEP = 10;

/**
 * Schema-valid spec data → Spec: Compose forms expanded, durations in ms, paths absolute,
 * config hashes computed, every semantic rule checked. Problems go to `ctx.issues`; the
 * returned Spec is only meaningful when no error was reported.
 */
export function normalizeSpec(input: NormalizeInput, ctx: NormalizeContext): Spec {
  const { raw, dir } = input;
  const { issues } = ctx;
  const dirs: DirSpec[] = Object.entries(raw.infra?.dirs ?? {}).map(([name, d]) => ({
    name,
    path: resolve(dir, d.path),
  }));
  const volumes = resources(raw.infra?.volumes) as VolumeSpec[];
  const networks = resources(raw.infra?.networks) as NetworkSpec[];
  for (const d of dirs) {
    if (volumes.some((v) => v.name === d.name)) {
      issues.error(
        ['infra', 'dirs', d.name],
        `has the same name as infra.volumes.${d.name}, so "${d.name}:/path" in a service would be ambiguous; rename one of them`,
        'key',
      );
    }
  }

  const sensitiveValues: string[] = [];
  const serviceCtx: ServiceContext = {
    ...ctx,
    project: raw.project,
    volumes: new Set(volumes.map((v) => v.name)),
    dirs: new Map(dirs.map((d) => [d.name, d.path])),
    networks: new Set(networks.map((n) => n.name)),
    sensitiveValues,
    specDir: dir,
    files: fileDecls(raw.secrets, raw.configs, dir),
  };
  const infraRaw = raw.infra?.services ?? {};
  const appsRaw = raw.apps?.services ?? {};
  const infra = Object.entries(infraRaw).map(([name, s]) => normalizeService('infra', name, s, serviceCtx));
  const apps = Object.entries(appsRaw).map(([name, s]) => normalizeService('app', name, s, serviceCtx));
  checkSemantics(
    {
      project: raw.project,
      infra,
      apps,
      raw: { infra: infraRaw, apps: appsRaw },
      deployId: input.deployId,
      deployIdSource: input.deployIdSource,
      dbService: input.dbService,
    },
    issues,
  );

  const withHash = (s: Omit<ServiceSpec, 'configHash'>): ServiceSpec => ({
    ...s,
    configHash: configHash(serviceDefinition(s, raw.project, sensitiveValues)),
  });
  const spec: Omit<Spec, 'specHash' | 'history' | 'notify'> = {
    version: 1,
    project: raw.project,
    file: input.file,
    dir,
    infra: { volumes, networks, dirs, services: infra.map(withHash) },
    apps: { services: apps.map(withHash) },
    cleanup: {
      keepGenerations: raw.cleanup?.keep_generations ?? DEFAULT_KEEP_GENERATIONS,
      ...maxAge(raw.cleanup?.max_age),
      protect: [...(raw.cleanup?.protect ?? [])],
    },
    backups: {
      dir: resolve(dir, raw.backups?.dir ?? DEFAULT_BACKUP_DIR),
      keep: raw.backups?.keep ?? DEFAULT_BACKUP_KEEP,
    },
    sensitiveValues: [],
  };
  const hash = specHash(spec, sensitiveValues);
  // Who is told and how much history is kept change nothing on the engine: outside the hash.
  const webhooks = (raw.notify?.webhooks ?? []).map((w) => ({
    url: w.url,
    events: [...(w.events ?? [])],
    format: w.format ?? ('json' as const),
  }));
  return {
    ...spec,
    history: { keep: raw.history?.keep ?? DEFAULT_HISTORY_KEEP },
    notify: { webhooks },
    // A webhook URL is a credential (it is all a sender needs): masked like any secret.
    sensitiveValues: [...sensitiveValues, ...webhooks.map((w) => w.url)],
    specHash: hash,
  };
}

function resources(raw: Record<string, RawResource | null> | undefined): (VolumeSpec | NetworkSpec)[] {
  return Object.entries(raw ?? {}).map(([name, r]) => {
    const out: VolumeSpec = { name, external: r?.external ?? false, labels: parseLabels(r?.labels) };
    if (r?.driver !== undefined) out.driver = r.driver;
    return out;
  });
}

/**
 * Everything that shapes what apply does, as canonical JSON: each service's masked
 * definition plus the settings kept out of it (depends_on, waits, pull policy, database),
 * and the infra resources, cleanup and backups. Secrets enter only through their hashes.
 */
function specHash(spec: Omit<Spec, 'specHash' | 'history' | 'notify'>, secrets: string[]): string {
  const service = (s: ServiceSpec): unknown => ({
    name: s.name,
    role: s.role,
    definition: serviceDefinition(s, spec.project, secrets),
    dependsOn: s.dependsOn,
    pullPolicy: s.pullPolicy,
    waitTimeoutMs: s.waitTimeoutMs,
    database: s.database,
  });
  return sha256(
    JSON.stringify(
      sortKeys({
        version: spec.version,
        project: spec.project,
        services: [...spec.infra.services, ...spec.apps.services].map(service),
        volumes: spec.infra.volumes,
        networks: spec.infra.networks,
        dirs: spec.infra.dirs,
        cleanup: spec.cleanup,
        backups: spec.backups,
      }),
    ),
  );
}

/** cleanup.max_age in ms, absent when unset (so specs without it keep their hash). The schema checked the form. */
function maxAge(value: string | number | undefined): { maxAgeMs?: number } {
  const ms = value === undefined ? undefined : parseDuration(value);
  return ms === undefined ? {} : { maxAgeMs: ms };
}
