import { homedir } from 'node:os';
// Before dockerode: defers the packages it loads but deployctl rarely or never uses.
import './defer-unused-deps.js';
import Docker from 'dockerode';
import { DockerEngine } from './docker-engine.js';
import { resolveDockerHost } from './docker-host.js';
import { EngineError } from './engine-error.js';
import type { Engine } from './port.js';
import { SshDialAgent } from './ssh-agent.js';

export interface ConnectOptions {
  /** How long `ping` waits before calling the engine unreachable (default 3 s). */
  timeoutMs?: number;
  /** Where `.docker/` (CLI config, TLS files) lives; default the user's home. */
  homeDir?: string;
  /** `--context NAME`: wins over DOCKER_HOST, DOCKER_CONTEXT and the CLI's current context. */
  context?: string;
  /** Registers cleanup to run as the process exits (over ssh: the forwarded socket file). */
  atExit?: (cleanup: () => void) => void;
}

/** ssh logs in and starts `docker system dial-stdio` before the first answer: allow for that. */
export const DEFAULT_SSH_CONNECT_TIMEOUT_MS = 20000;

export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

/**
 * An engine that cannot even be addressed (bad DOCKER_HOST, unreadable TLS files): every call
 * rejects with the same explanation, so the problem surfaces at the first `ping` like any
 * other unreachable engine instead of as a crash while wiring things up.
 */
function unusableEngine(endpoint: string, context: string | undefined, error: EngineError): Engine {
  return new Proxy({ endpoint, context } as Engine, {
    get(target, prop) {
      if (prop === 'endpoint') return target.endpoint;
      if (prop === 'context') return target.context;
      if (prop === 'then' || typeof prop === 'symbol') return undefined; // not a thenable
      return () => Promise.reject(error);
    },
  });
}

/**
 * The Engine for the environment's Docker: DOCKER_HOST (unix://, tcp://, ssh://; default
 * unix:///var/run/docker.sock), DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the docker CLI reads
 * them. Connecting is lazy: nothing is dialled until the first call (normally `ping`).
 */
export function connectEngine(env: Record<string, string | undefined>, opts: ConnectOptions = {}): Engine {
  const homeDir = opts.homeDir ?? env['HOME'] ?? homedir();
  const host = resolveDockerHost(env, homeDir, opts.context);
  const timeoutMs =
    opts.timeoutMs ?? (host.ssh ? DEFAULT_SSH_CONNECT_TIMEOUT_MS : DEFAULT_CONNECT_TIMEOUT_MS);
  const refuse = (problem: string, advice: string, cause?: unknown): Engine =>
    unusableEngine(
      host.endpoint,
      host.context,
      new EngineError(
        'unreachable',
        `Cannot reach the Docker engine at ${host.endpoint}: ${problem}. ${advice} Nothing was changed.`,
        { cause },
      ),
    );
  if (!host.ok) return refuse(host.problem.replace(/\.$/, ''), host.advice);
  try {
    const options = host.ssh
      ? {
          ...host.options,
          agent: new SshDialAgent(host.ssh, {
            env,
            // The escape hatch for a host whose docker CLI reaches another engine than
            // /var/run/docker.sock (see ssh-forward.ts): dial-stdio streams only.
            forward: env['DEPLOYCTL_SSH_FORWARD'] !== '0',
            ...(opts.atExit && { atExit: opts.atExit }),
          }),
        }
      : host.options;
    return new DockerEngine(new Docker(options), host.endpoint, {
      timeoutMs,
      env,
      homeDir,
      ...(host.context !== undefined ? { context: host.context } : {}),
    });
  } catch (err) {
    // docker-modem also reads the process environment while constructing; say what it disliked.
    return refuse(
      `the connection settings were rejected (${(err as Error).message})`,
      'Check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.',
      err,
    );
  }
}
