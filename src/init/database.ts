import type { Conversion } from './context.js';
import { isPostgres } from './known-images.js';
import { isObj, type Obj, type OutPath } from './model.js';

/** `environment:` in either Compose form, as a map. */
function environmentOf(svc: Obj): Record<string, unknown> {
  const env = svc.environment;
  if (isObj(env)) return env;
  if (!Array.isArray(env)) return {};
  return Object.fromEntries(
    env
      .filter((e): e is string => typeof e === 'string' && e.includes('='))
      .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
}

/**
 * Proposes `database:` (the target of backup and restore-db) for a Postgres service, with the
 * database and role its image creates: POSTGRES_DB / POSTGRES_USER (Bitnami's POSTGRESQL_*),
 * each defaulting as the image does. Only one service can be the target, so only the first.
 */
export function proposeDatabase(svc: Obj, out: Obj, at: OutPath, conv: Conversion, taken: boolean): boolean {
  const image = typeof svc.image === 'string' ? conv.value(svc.image) : '';
  if (!isPostgres(image)) return false;
  if (taken) {
    conv.note(
      'attention',
      at,
      'also Postgres: only one service can be the database: target; name it with --db-service when needed',
    );
    return false;
  }
  const env = environmentOf(svc);
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
  const user = str(env.POSTGRES_USER) ?? str(env.POSTGRESQL_USERNAME) ?? 'postgres';
  const name = str(env.POSTGRES_DB) ?? str(env.POSTGRESQL_DATABASE) ?? user;
  out.database = { engine: 'postgres', name, user };
  const fromEnvFile = svc.env_file !== undefined && env.POSTGRES_USER === undefined;
  conv.note(
    fromEnvFile ? 'attention' : 'translated',
    [...at, 'database'],
    `proposed: backup and restore-db target${fromEnvFile ? '; check name and user against the env_file' : ''}`,
  );
  return true;
}
