import { DeployctlError } from '../errors.js';

/** DUMP_INVALID for `path`: the problem, and that nothing was changed. */
export function invalid(path: string, problem: string, cause?: unknown): DeployctlError {
  return new DeployctlError(
    'DUMP_INVALID',
    `${path} ${problem}. Nothing was changed: the database and the apps are as they were.`,
    {
      cause,
      data: { dump: path },
    },
  );
}

/** A gzip that zlib refused (bad header, bad CRC, cut short). */
export function gzipDamaged(path: string, err: unknown): DeployctlError {
  const code = (err as { code?: string }).code ?? '';
  const short = code === 'Z_BUF_ERROR' ? ': it was cut short' : '';
  return invalid(path, `is a damaged gzip file (${(err as Error).message}${short})`, err);
}
