import { DeployctlError } from '../errors.js';
import type { ServiceSpec, Spec } from '../spec/model.js';

/** The database backup and restore-db act on, and how to reach it inside its container. */
export interface DbTarget {
  service: ServiceSpec;
  /** The infra service's fixed container name. */
  container: string;
  database: string;
  user: string;
  /**
   * Environment for pg_* inside the container. PGPASSWORD comes from the service's own
   * POSTGRES_PASSWORD, so a server that asks for a password on the socket still works; it
   * travels in the exec's environment, never on a command line or in output.
   */
  env: Record<string, string>;
  /** Named volumes the service mounts: where its data lives. */
  volumes: string[];
}

/**
 * The service carrying `database:` (or the one named with `--db`). The spec loader already
 * rejects two database services without `--db` and a `--db` naming a service without one, so
 * only "none at all" is left to say here.
 */
export function resolveDbTarget(spec: Spec, dbService?: string): DbTarget {
  const candidates = spec.infra.services.filter(
    (s) => s.database && (dbService === undefined || s.name === dbService),
  );
  const service = candidates[0];
  if (!service?.database) {
    const which = dbService === undefined ? 'no infra service has' : `infra service "${dbService}" has no`;
    throw new DeployctlError(
      'DB_NOT_CONFIGURED',
      `${which} database: block in ${spec.file}, so there is no database to back up or restore; nothing was changed. ` +
        'Add `database: {engine: postgres, name: DB, user: ROLE}` to the infra service that runs Postgres.',
    );
  }
  const password = service.environment['POSTGRES_PASSWORD'];
  return {
    service,
    container: service.containerName ?? service.name,
    database: service.database.name,
    user: service.database.user,
    env: password ? { PGPASSWORD: password } : {},
    volumes: service.mounts.flatMap((m) => (m.type === 'volume' ? [m.name] : [])),
  };
}
