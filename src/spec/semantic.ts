import type { IssueList } from './issues.js';
import type { SpecPath } from './locate.js';
import { DEPLOY_ID_PATTERN, appContainerName, type ServiceSpec } from './model.js';
import type { RawService } from './raw.js';
import { dependencyCycle } from './start-order.js';
import { didYouMean } from './suggest.js';

export interface SemanticInput {
  project: string;
  infra: Omit<ServiceSpec, 'configHash'>[];
  apps: Omit<ServiceSpec, 'configHash'>[];
  /** Raw services by role and name, to tell the list form from the map form when pointing. */
  raw: { infra: Record<string, RawService>; apps: Record<string, RawService> };
  deployId?: string;
  deployIdSource?: 'flag' | 'env' | 'generated';
  dbService?: string;
}

type Svc = Omit<ServiceSpec, 'configHash'>;

const pathOf = (s: Svc): SpecPath => [s.role === 'infra' ? 'infra' : 'apps', 'services', s.name];

/**
 * Checks that span services, run on schema-valid, per-service-normalized data: names unique
 * across infra and app generations, depends_on resolving without cycles, one database target.
 */
export function checkSemantics(input: SemanticInput, issues: IssueList): void {
  checkDeployId(input, issues);
  checkNames(input, issues);
  checkDependencies(input, issues);
  checkDatabase(input, issues);
}

function checkDeployId({ deployId, deployIdSource }: SemanticInput, issues: IssueList): void {
  if (deployId === undefined || DEPLOY_ID_PATTERN.test(deployId)) return;
  const from =
    deployIdSource === 'flag'
      ? 'from --deploy-id'
      : deployIdSource === 'env'
        ? 'from the DEPLOY_ID environment variable'
        : 'generated';
  issues.fileError(
    `the deploy id ${JSON.stringify(deployId)} (${from}) is not valid: use 1 to 63 letters, digits, _, . and -, starting with a letter or digit (e.g. 20261123T0800Z or v42)`,
  );
}

function checkNames({ project, infra, apps, deployId }: SemanticInput, issues: IssueList): void {
  const infraNames = new Map(infra.map((s) => [s.name, s]));
  for (const app of apps) {
    if (infraNames.has(app.name)) {
      issues.error(
        pathOf(app),
        `has the same name as infra.services.${app.name}; service names must be unique across infra and apps (depends_on and network aliases refer to them)`,
        'key',
      );
    }
  }
  const owners = new Map<string, string>();
  for (const s of infra) {
    const name = s.containerName;
    if (name === undefined) continue;
    const where: SpecPath = [...pathOf(s), 'container_name'];
    const owner = owners.get(name);
    if (owner !== undefined) {
      issues.error(
        where,
        `"${name}" is already the container name of ${owner}; container names must be unique`,
      );
      continue;
    }
    owners.set(name, `infra.services.${s.name}`);
    for (const app of apps) {
      const prefix = `${project}_${app.name}_`;
      if (deployId !== undefined && name === appContainerName(project, app.name, deployId)) {
        issues.error(
          where,
          `"${name}" is also the name app ${app.name} gets for deploy id ${deployId}; rename this container or deploy with another id`,
        );
      } else if (name.startsWith(prefix) && DEPLOY_ID_PATTERN.test(name.slice(prefix.length))) {
        issues.error(
          where,
          `"${name}" looks like a generation of app ${app.name} (${prefix}<deploy id>), so a deploy could collide with it or retire it; pick a name outside that pattern`,
        );
      }
    }
  }
}

function checkDependencies({ infra, apps, raw }: SemanticInput, issues: IssueList): void {
  const all = [...infra, ...apps];
  const byName = new Map(all.map((s) => [s.name, s]));
  const entryOf = (s: Svc, dep: string): { path: SpecPath; at: 'value' | 'key' } => {
    const list = (s.role === 'infra' ? raw.infra : raw.apps)[s.name]?.depends_on;
    return Array.isArray(list)
      ? { path: [...pathOf(s), 'depends_on', list.indexOf(dep)], at: 'value' }
      : { path: [...pathOf(s), 'depends_on', dep], at: 'key' };
  };
  for (const s of all) {
    for (const dep of s.dependsOn) {
      const { path, at } = entryOf(s, dep);
      const target = byName.get(dep);
      if (!target) {
        issues.error(
          path,
          `refers to undefined service "${dep}"${didYouMean(dep, byName.keys())}; depends_on names a key of infra.services or apps.services`,
          at,
        );
      } else if (s.role === 'infra' && target.role === 'app') {
        issues.error(
          path,
          `makes infra service ${s.name} depend on app ${dep}; infra starts before apps and outlives every app generation, so it cannot wait for one`,
          at,
        );
      }
    }
  }
  const cycle = dependencyCycle(all);
  const first = cycle?.[0] !== undefined ? byName.get(cycle[0]) : undefined;
  if (cycle && first) {
    const { path, at } = entryOf(first, cycle[1] ?? first.name);
    issues.error(
      path,
      `forms a dependency cycle: ${cycle.join(' -> ')}; remove one of these depends_on entries`,
      at,
    );
  }
}

function checkDatabase({ infra, apps, dbService }: SemanticInput, issues: IssueList): void {
  const databases = infra.filter((s) => s.database);
  if (dbService !== undefined) {
    const named = [...infra, ...apps].find((s) => s.name === dbService);
    if (!named) {
      const known = databases.map((s) => s.name).join(', ') || 'none';
      issues.fileError(
        `the database service "${dbService}" named on the command line is not in the spec${didYouMean(
          dbService,
          [...infra, ...apps].map((s) => s.name),
        )}; services with database: ${known}`,
      );
    } else if (!named.database) {
      issues.error(
        pathOf(named),
        'is named on the command line as the database, but has no database: {engine: postgres, name, user}; add it or name another service',
        'key',
      );
    }
    return;
  }
  const [first, ...others] = databases;
  if (!first) return;
  for (const s of others) {
    issues.error(
      [...pathOf(s), 'database'],
      `is a second database target (the first is infra.services.${first.name}); name the one to use on the command line, or keep database: on one service`,
      'key',
    );
  }
}
