import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The docker CLI's name for "no context": DOCKER_HOST, else the local socket. */
export const DEFAULT_CONTEXT = 'default';

/** Where the docker CLI keeps config.json and contexts: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: Record<string, string | undefined>, homeDir: string): string {
  return env['DOCKER_CONFIG'] || join(homeDir, '.docker');
}

/** Which context applies and why, in the docker CLI's order of precedence. */
export interface ContextChoice {
  name: string;
  source: 'flag' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'config' | 'none';
}

/**
 * As `docker` decides: `--context` wins; else a set DOCKER_HOST means the default context;
 * else DOCKER_CONTEXT; else `currentContext` of config.json; else the default context.
 */
export function chooseContext(
  env: Record<string, string | undefined>,
  configDir: string,
  flag: string | undefined,
): ContextChoice {
  if (flag) return { name: flag, source: 'flag' };
  if (env['DOCKER_HOST']?.trim()) return { name: DEFAULT_CONTEXT, source: 'DOCKER_HOST' };
  const fromEnv = env['DOCKER_CONTEXT']?.trim();
  if (fromEnv) return { name: fromEnv, source: 'DOCKER_CONTEXT' };
  try {
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as {
      currentContext?: unknown;
    };
    if (typeof config.currentContext === 'string' && config.currentContext)
      return { name: config.currentContext, source: 'config' };
  } catch {
    // No or unreadable config.json: the CLI falls back to the default context too.
  }
  return { name: DEFAULT_CONTEXT, source: 'none' };
}

export interface ContextEndpoint {
  host: string;
  skipTlsVerify: boolean;
  /** ca.pem / cert.pem / key.pem stored with the context, when it has them. */
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

export type ContextLookup =
  { ok: true; endpoint: ContextEndpoint } | { ok: false; problem: string; advice: string };

const contextId = (name: string): string => createHash('sha256').update(name).digest('hex');

/** The names of every context stored in `configDir`, sorted (with `default`, which always exists). */
export function listContexts(configDir: string): string[] {
  const names = new Set([DEFAULT_CONTEXT]);
  const metaDir = join(configDir, 'contexts', 'meta');
  try {
    for (const id of readdirSync(metaDir)) {
      try {
        const meta = JSON.parse(readFileSync(join(metaDir, id, 'meta.json'), 'utf8')) as { Name?: unknown };
        if (typeof meta.Name === 'string') names.add(meta.Name);
      } catch {
        // A broken entry is not listed; the CLI skips it too.
      }
    }
  } catch {
    // No contexts directory: only the default context.
  }
  return [...names].sort();
}

/** Reads a named context's docker endpoint from `<configDir>/contexts/{meta,tls}/<sha256(name)>`. */
export function readContext(configDir: string, name: string): ContextLookup {
  const id = contextId(name);
  const metaFile = join(configDir, 'contexts', 'meta', id, 'meta.json');
  if (!existsSync(metaFile)) {
    return {
      ok: false,
      problem: `there is no docker context named "${name}" in ${configDir} (contexts: ${listContexts(configDir).join(', ')})`,
      advice:
        'Pick one of those (`--context NAME`, DOCKER_CONTEXT or `docker context use NAME`), or create it with `docker context create`.',
    };
  }
  let meta: { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as typeof meta;
  } catch (err) {
    return {
      ok: false,
      problem: `the docker context "${name}" could not be read (${(err as Error).message})`,
      advice: `Check ${metaFile}, or recreate the context with \`docker context create\`.`,
    };
  }
  const docker = meta.Endpoints?.docker;
  if (!docker || typeof docker.Host !== 'string' || !docker.Host) {
    return {
      ok: false,
      problem: `the docker context "${name}" has no Docker endpoint`,
      advice: `Give it one with \`docker context update ${name} --docker host=...\`.`,
    };
  }
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const read = (file: string): Buffer | undefined => {
    try {
      return readFileSync(join(tlsDir, file));
    } catch {
      return undefined;
    }
  };
  return {
    ok: true,
    endpoint: {
      host: docker.Host,
      skipTlsVerify: docker.SkipTLSVerify === true,
      tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') },
    },
  };
}
