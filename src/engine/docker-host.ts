import { readFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { chooseContext, DEFAULT_CONTEXT, dockerConfigDir, readContext } from './docker-context.js';
import type { SshTarget } from './ssh-agent.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** Connection options in docker-modem's vocabulary; every key is set so none falls back to `process.env`. */
export interface ModemOptions {
  socketPath: string | undefined;
  host: string | undefined;
  port: string | undefined;
  protocol: 'http' | 'https';
  pathPrefix: string;
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
  timeout: undefined;
  /** Set for a context with SkipTLSVerify (and, by connect.ts, for ssh://). */
  agent?: Agent;
}

/** Which docker context was used: set unless DOCKER_HOST or nothing at all chose the engine. */
export interface ContextInfo {
  context?: string;
  /** For ssh://: what to run ssh against (connect.ts builds the agent). */
  ssh?: SshTarget;
}

export type DockerHostResult =
  | ({ ok: true; endpoint: string; options: ModemOptions } & ContextInfo)
  /** `problem` finishes the sentence "DOCKER_HOST …" / "TLS …": it is shown to the user. */
  | ({ ok: false; endpoint: string; problem: string; advice: string } & ContextInfo);

/** TLS settings: from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, or stored with a context. */
type TlsSource =
  { kind: 'env' } | { kind: 'context'; skipVerify: boolean; ca?: Buffer; cert?: Buffer; key?: Buffer };

/**
 * The engine the docker CLI would talk to: `--context` (`contextFlag`), else DOCKER_HOST, else
 * DOCKER_CONTEXT, else config.json's `currentContext` (config dir $DOCKER_CONFIG or
 * `<home>/.docker`), else the local socket. A context supplies the endpoint and its TLS files.
 */
export function resolveDockerHost(
  env: Record<string, string | undefined>,
  homeDir: string,
  contextFlag?: string,
): DockerHostResult {
  const configDir = dockerConfigDir(env, homeDir);
  const choice = chooseContext(env, configDir, contextFlag);
  if (choice.name === DEFAULT_CONTEXT) {
    // The default context is DOCKER_HOST (else the local socket), as for the CLI.
    const r = resolveAddress(env, homeDir, { kind: 'env' });
    return choice.source === 'DOCKER_HOST' || choice.source === 'none'
      ? r
      : { ...r, context: DEFAULT_CONTEXT };
  }
  const found = readContext(configDir, choice.name);
  const how =
    choice.source === 'flag'
      ? '--context'
      : choice.source === 'DOCKER_CONTEXT'
        ? 'DOCKER_CONTEXT'
        : `the current context of ${join(configDir, 'config.json')}`;
  if (!found.ok) {
    return {
      ok: false,
      endpoint: `context ${choice.name}`,
      context: choice.name,
      problem: `${how} names a context that cannot be used: ${found.problem}`,
      advice: found.advice,
    };
  }
  const { host, skipTlsVerify, tls } = found.endpoint;
  const r = resolveAddress({ DOCKER_HOST: host }, homeDir, {
    kind: 'context',
    skipVerify: skipTlsVerify,
    ...tls,
  });
  if (!r.ok)
    return { ...r, context: choice.name, problem: `the docker context "${choice.name}" has ${r.problem}` };
  return { ...r, context: choice.name };
}

/**
 * Reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH the way the docker CLI does:
 * no scheme means tcp, tcp defaults to port 2375 (2376 with TLS), TLS verification is on when
 * DOCKER_TLS_VERIFY is non-empty and reads ca.pem/cert.pem/key.pem from DOCKER_CERT_PATH
 * (default `<home>/.docker`). For a context, `tlsSource` carries its own TLS files instead.
 */
function resolveAddress(
  env: Record<string, string | undefined>,
  homeDir: string,
  tlsSource: TlsSource,
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
    ca: undefined,
    cert: undefined,
    key: undefined,
    // No socket-idle timeout: a stop or an exec legitimately keeps a request open for long.
    timeout: undefined,
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

  if (url.pathname !== '' && url.pathname !== '/') return bad('must not have a path.');

  if (scheme === 'ssh') {
    // Unset user and port stay unset: ssh takes them from ~/.ssh/config, as for the docker CLI.
    const ssh: SshTarget = { host };
    if (url.username) ssh.user = decodeURIComponent(url.username);
    if (url.port) ssh.port = url.port;
    // HTTP goes over ssh's stdin/stdout (connect.ts adds the agent); host and port are nominal.
    return { ok: true, endpoint, ssh, options: { ...base, host, port: url.port || '22' } };
  }

  if (tlsSource.kind === 'context') {
    const { ca, cert, key, skipVerify } = tlsSource;
    if (!ca && !cert && !key && !skipVerify) {
      return { ok: true, endpoint, options: { ...base, host, port: url.port || '2375' } };
    }
    const options: ModemOptions = {
      ...base,
      host,
      port: url.port || '2376',
      protocol: 'https',
      ca,
      cert,
      key,
    };
    if (skipVerify) options.agent = new HttpsAgent({ rejectUnauthorized: false, ca, cert, key });
    return { ok: true, endpoint, options };
  }

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
