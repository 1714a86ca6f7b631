import { DeployctlError, type ErrorCode } from '../errors.js';
import type { Engine } from '../engine/port.js';
import type { DbTarget } from './target.js';

/**
 * Fails with `code` unless the database container is running: backup and the safety backup
 * never start or create anything, they say what to run instead.
 */
export async function requireRunning(
  engine: Engine,
  target: DbTarget,
  code: ErrorCode,
  nothing: string,
): Promise<void> {
  const detail = await engine.inspectContainer(target.container);
  if (detail?.state === 'running') return;
  const why = detail ? `is ${detail.state}` : 'does not exist';
  throw new DeployctlError(
    code,
    `the database container ${target.container} (service ${target.service.name}) ${why}, so there is nothing to dump; ${nothing}. ` +
      (detail
        ? '`deployctl apply` starts it again.'
        : '`deployctl apply` recreates it on its volume; `deployctl restore-db DUMP` recreates it and restores a dump.'),
    { data: { container: target.container, state: detail?.state ?? 'missing' } },
  );
}
