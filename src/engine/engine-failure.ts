import { EngineError } from './engine-error.js';
import type { EngineErrorKind } from './port.js';

/** The shape of what docker-modem rejects with: HTTP failures carry a status, socket ones a code. */
interface ModemError {
  message?: string;
  code?: string;
  statusCode?: number;
  json?: unknown;
}

const CONNECTION_CODES = new Set([
  'ENOENT',
  'EACCES',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTSOCK',
  'ABORT_ERR',
  'DEPLOYCTL_TIMEOUT',
  // ssh-agent.ts: the ssh transport failed (login, host key, connection lost).
  'DEPLOYCTL_SSH',
]);

function asModemError(err: unknown): ModemError {
  return typeof err === 'object' && err !== null ? err : { message: String(err) };
}

function isTlsError(e: ModemError): boolean {
  const code = e.code ?? '';
  return (
    /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET/.test(code) ||
    /HTTP request to an HTTPS server/i.test(engineMessage(e))
  );
}

/** True for failures to reach the engine at all, as opposed to the engine refusing a request. */
export function isConnectionError(err: unknown): boolean {
  const e = asModemError(err);
  if (e.statusCode === undefined && e.code !== undefined && CONNECTION_CODES.has(e.code)) return true;
  return isTlsError(e);
}

/** The engine's own words: docker-modem wraps them in "(HTTP code 404) no such container - …". */
export function engineMessage(err: unknown): string {
  const e = asModemError(err);
  const json = e.json as { message?: unknown } | string | null | undefined;
  if (json && typeof json === 'object' && typeof json.message === 'string') return json.message.trim();
  const text = (e.message ?? '').trim();
  const wrapped = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(text);
  return (wrapped?.[1] ?? text).trim() || 'no message from the engine';
}

/**
 * Why the engine could not be reached, and what to do about it: the heart of the message
 * `ping` and every other call give when the connection itself fails.
 */
export function unreachableReason(
  endpoint: string,
  err: unknown,
  timeoutMs: number,
): { why: string; advice: string } {
  const e = asModemError(err);
  const isUnix = endpoint.startsWith('unix://');
  if (e.code === 'DEPLOYCTL_SSH') {
    const ssh = e as ModemError & { why?: string; advice?: string };
    return {
      why: ssh.why ?? engineMessage(e),
      advice: ssh.advice ?? 'Check the ssh connection to the host.',
    };
  }
  if (isTlsError(e)) {
    return {
      why: `the TLS connection failed (${engineMessage(e)})`,
      advice:
        'Check that DOCKER_TLS_VERIFY matches how the engine listens and that DOCKER_CERT_PATH holds the ca.pem, cert.pem and key.pem issued for it.',
    };
  }
  switch (e.code) {
    case 'ENOENT':
      return {
        why: 'the socket does not exist',
        advice:
          'Is Docker running? Start it (e.g. `sudo systemctl start docker`), or set DOCKER_HOST to the engine you mean.',
      };
    case 'EACCES':
      return {
        why: 'permission to use the socket was denied',
        advice:
          'Add this user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run deployctl with sudo.',
      };
    case 'ECONNREFUSED':
      return isUnix
        ? {
            why: 'the socket exists but nothing answers on it',
            advice: 'Docker seems to have stopped: start it again (e.g. `sudo systemctl start docker`).',
          }
        : {
            why: `the connection was refused: nothing listens at ${endpoint}`,
            advice:
              'Check DOCKER_HOST, and that the engine is running and listening on that address and port.',
          };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        why: 'its host name does not resolve',
        advice: 'Check the host name in DOCKER_HOST and this machine’s DNS.',
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return {
        why: 'its host is unreachable from here',
        advice: 'Check the network path (VPN, firewall, routes) and DOCKER_HOST.',
      };
    case 'ETIMEDOUT':
    case 'ABORT_ERR':
    case 'DEPLOYCTL_TIMEOUT':
      return {
        why: `it did not answer within ${Math.round(timeoutMs / 100) / 10} s`,
        advice:
          'Check that the host is up and reachable (firewall, VPN), that DOCKER_HOST is right, and that the engine is not hung.',
      };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return {
        why: 'the connection was cut',
        advice: 'Check that the engine is still running (it may have restarted) and try again.',
      };
    default:
      return {
        why: engineMessage(e),
        advice: 'Check that the engine is running and that DOCKER_HOST points at it.',
      };
  }
}

export interface FailureContext {
  /** What was being done, completing "could not …", e.g. `start container sancho_backend_x`. */
  action: string;
  endpoint: string;
  /** Forces the kind of every engine refusal (`pull_failed` for pulls, whatever the status). */
  kind?: EngineErrorKind;
  timeoutMs?: number;
}

/**
 * Podman answers with HTTP 500 where Docker says 409 Conflict: a taken container name, or an
 * operation the container's state forbids (removing a running one, exec in a stopped one). Its
 * `cause` names which (libpod's ErrCtrExists / ErrCtrStateInvalid texts).
 */
const PODMAN_CONFLICTS = new Set(['that name is already in use', 'container state improper']);

function isPodmanConflict(e: ModemError): boolean {
  const json = e.json as { cause?: unknown } | null | undefined;
  return e.statusCode === 500 && typeof json?.cause === 'string' && PODMAN_CONFLICTS.has(json.cause);
}

/** Maps anything docker-modem rejects with to an EngineError whose message names the object and the operation. */
export function toEngineError(err: unknown, ctx: FailureContext): EngineError {
  if (err instanceof EngineError) return err;
  const e = asModemError(err);
  if (isConnectionError(e)) {
    const { why, advice } = unreachableReason(ctx.endpoint, e, ctx.timeoutMs ?? 3000);
    return new EngineError(
      'unreachable',
      `could not ${ctx.action}: the Docker engine at ${ctx.endpoint} could not be reached (${why}). ${advice}`,
      {
        cause: err,
      },
    );
  }
  const status = e.statusCode;
  const kind: EngineErrorKind =
    ctx.kind ?? (status === 404 ? 'not_found' : status === 409 || isPodmanConflict(e) ? 'conflict' : 'other');
  const options = status === undefined ? { cause: err } : { cause: err, statusCode: status };
  return new EngineError(kind, `could not ${ctx.action}: ${engineMessage(e)}`, options);
}
