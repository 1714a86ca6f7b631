import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/engine/engine-error.js';
import {
  engineMessage,
  isConnectionError,
  toEngineError,
  unreachableReason,
} from '../../../src/engine/engine-failure.js';

/** What docker-modem rejects with for an HTTP error. */
function httpError(statusCode: number, message: string, reason = 'unexpected'): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${reason} - ${message} `), {
    statusCode,
    reason,
    json: { message },
  });
}
const sysError = (code: string): Error =>
  Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
const ctx = { action: 'start container sancho_backend_x', endpoint: 'unix:///var/run/docker.sock' };

describe('engineMessage', () => {
  it('prefers the JSON message, then unwraps docker-modem’s prefix', () => {
    expect(engineMessage(httpError(404, 'No such container: x'))).toBe('No such container: x');
    expect(
      engineMessage(
        Object.assign(new Error('(HTTP code 500) server error - manifest unknown: manifest unknown '), {
          statusCode: 500,
        }),
      ),
    ).toBe('manifest unknown: manifest unknown');
    expect(engineMessage(new Error('plain'))).toBe('plain');
  });
});

describe('toEngineError', () => {
  it.each([
    [404, 'not_found'],
    [409, 'conflict'],
    [500, 'other'],
    [400, 'other'],
  ] as const)('HTTP %i -> %s, naming the object and operation', (status, kind) => {
    const err = toEngineError(httpError(status, 'engine says no'), ctx);
    expect(err).toBeInstanceOf(EngineError);
    expect(err.kind).toBe(kind);
    expect(err.statusCode).toBe(status);
    expect(err.code).toBe('ENGINE_ERROR');
    expect(err.message).toBe('could not start container sancho_backend_x: engine says no');
  });

  it('forces pull_failed for every engine refusal during a pull, 404 included', () => {
    expect(
      toEngineError(httpError(404, 'manifest unknown'), { ...ctx, action: 'pull x:1', kind: 'pull_failed' })
        .kind,
    ).toBe('pull_failed');
    expect(
      toEngineError(httpError(500, 'denied'), { ...ctx, action: 'pull x:1', kind: 'pull_failed' }).kind,
    ).toBe('pull_failed');
  });

  it('calls connection failures unreachable (ENGINE_UNREACHABLE), whatever the operation', () => {
    const err = toEngineError(sysError('ECONNRESET'), { ...ctx, kind: 'pull_failed' });
    expect(err.kind).toBe('unreachable');
    expect(err.code).toBe('ENGINE_UNREACHABLE');
    expect(err.message).toMatch(
      /^could not start container sancho_backend_x: the Docker engine at unix:\/\/\/var\/run\/docker.sock could not be reached \(the connection was cut\)\./,
    );
  });

  it('passes an EngineError through untouched', () => {
    const original = new EngineError('conflict', 'already');
    expect(toEngineError(original, ctx)).toBe(original);
  });
});

describe('unreachableReason', () => {
  const tcp = 'tcp://10.0.0.5:2375';
  it.each([
    ['ENOENT', 'unix:///x.sock', /socket does not exist/, /Is Docker running\?.*DOCKER_HOST/],
    ['EACCES', 'unix:///var/run/docker.sock', /permission .* denied/, /docker group.*sudo/],
    ['ECONNREFUSED', tcp, /nothing listens at tcp:\/\/10.0.0.5:2375/, /DOCKER_HOST/],
    ['ECONNREFUSED', 'unix:///var/run/docker.sock', /socket exists but nothing answers/, /start it again/],
    ['ENOTFOUND', tcp, /does not resolve/, /DNS/],
    ['EHOSTUNREACH', tcp, /unreachable/, /VPN/],
    ['ABORT_ERR', tcp, /did not answer within 3 s/, /firewall/],
  ])('%s on %s', (code, endpoint, why, advice) => {
    const r = unreachableReason(endpoint, sysError(code), 3000);
    expect(r.why).toMatch(why);
    expect(r.advice).toMatch(advice);
  });

  it('recognises TLS failures, including plain HTTP sent to a TLS port', () => {
    expect(
      unreachableReason(
        tcp,
        Object.assign(new Error('self signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
        3000,
      ).why,
    ).toMatch(/TLS/);
    const plainToTls = httpError(400, 'Client sent an HTTP request to an HTTPS server.');
    expect(isConnectionError(plainToTls)).toBe(true);
    expect(unreachableReason(tcp, plainToTls, 3000).advice).toContain('DOCKER_TLS_VERIFY');
  });

  it('does not take an engine refusal for a connection problem', () => {
    expect(isConnectionError(httpError(404, 'No such container'))).toBe(false);
    expect(isConnectionError(sysError('ENOENT'))).toBe(true);
  });
});
