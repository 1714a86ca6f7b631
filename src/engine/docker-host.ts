import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** Connection options in docker-modem's vocabulary; every key is set so none falls back to `process.env`. */
export interface ModemOptions {
  socketPath: string | undefined;
  host: string | undefined;
  port: string | undefined;
  protocol: 'http' | 'https' | 'ssh';
  pathPrefix: string;
  username: string | undefined;
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
  timeout: undefined;
  sshOptions: { agent?: string };
}

export type DockerHostResult =
  | { ok: true; endpoint: string; options: ModemOptions }
  /** `problem` finishes the sentence "DOCKER_HOST …" / "TLS …": it is shown to the user. */
  | { ok: false; endpoint: string; problem: string; advice: string };

/**
 * Reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH the way the docker CLI does:
 * no scheme means tcp, tcp defaults to port 2375 (2376 with TLS), TLS verification is on when
 * DOCKER_TLS_VERIFY is non-empty and reads ca.pem/cert.pem/key.pem from DOCKER_CERT_PATH
 * (default `<home>/.docker`).
 */
export function resolveDockerHost(
  env: Record<string, string | undefined>,
  homeDir: string,
): DockerHostResult {
  const raw = env['DOCKER_HOST']?.trim() || DEFAULT_DOCKER_HOST;
  const endpoint = raw.includes('://') ? raw : `tcp://${raw}`;
  const scheme = endpoint.slice(0, endpoint.indexOf('://'));
  const bad = (problem: string): DockerHostResult => ({
    ok: false,
    endpoint,
    problem: `DOCKER_HOST=${raw} ${problem}`,
    advice:
      'Set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:port or ssh://user@host, or unset it to use the local engine.',
  });
  const base: ModemOptions = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: 'http',
    pathPrefix: '/',
    username: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    // No socket-idle timeout: a stop or an exec legitimately keeps a request open for long.
    timeout: undefined,
    sshOptions: {},
  };

  if (scheme === 'unix') {
    const path = endpoint.slice('unix://'.length) || '/var/run/docker.sock';
    if (!path.startsWith('/'))
      return bad('must give an absolute socket path, e.g. unix:///var/run/docker.sock.');
    return { ok: true, endpoint: `unix://${path}`, options: { ...base, socketPath: path } };
  }
  if (scheme !== 'tcp' && scheme !== 'ssh') {
    return bad(`has an unsupported scheme "${scheme}://" (supported: unix://, tcp://, ssh://).`);
  }

  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return bad('is not a valid address.');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return bad('names no host.');

  if (scheme === 'ssh') {
    return {
      ok: true,
      endpoint,
      options: {
        ...base,
        protocol: 'ssh',
        host,
        port: url.port || '22',
        username: url.username ? decodeURIComponent(url.username) : undefined,
        sshOptions: env['SSH_AUTH_SOCK'] ? { agent: env['SSH_AUTH_SOCK'] } : {},
      },
    };
  }

  if (url.pathname !== '' && url.pathname !== '/') return bad('must not have a path.');
  const tls = Boolean(env['DOCKER_TLS_VERIFY']);
  const port = url.port || (tls ? '2376' : '2375');
  const options: ModemOptions = { ...base, host, port, protocol: tls ? 'https' : 'http' };
  if (!tls) return { ok: true, endpoint, options };

  const certDir = env['DOCKER_CERT_PATH'] || join(homeDir, '.docker');
  try {
    options.ca = readFileSync(join(certDir, 'ca.pem'));
    options.cert = readFileSync(join(certDir, 'cert.pem'));
    options.key = readFileSync(join(certDir, 'key.pem'));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      endpoint,
      problem: `DOCKER_TLS_VERIFY is set but the TLS files could not be read (${reason})`,
      advice:
        'Set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem for this engine, or unset DOCKER_TLS_VERIFY if it does not use TLS.',
    };
  }
  return { ok: true, endpoint, options };
}
