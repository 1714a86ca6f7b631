import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDockerHost } from '../../../src/engine/docker-host.js';

const home = mkdtempSync(join(tmpdir(), 'deployctl-host-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const ok = (env: Record<string, string | undefined>) => {
  const r = resolveDockerHost(env, home);
  if (!r.ok) throw new Error(`expected ok, got: ${r.problem}`);
  return r;
};
const bad = (env: Record<string, string | undefined>) => {
  const r = resolveDockerHost(env, home);
  if (r.ok) throw new Error('expected a problem');
  return r;
};

describe('resolveDockerHost', () => {
  it('defaults to the local unix socket', () => {
    const r = ok({});
    expect(r.endpoint).toBe('unix:///var/run/docker.sock');
    expect(r.options).toMatchObject({
      socketPath: '/var/run/docker.sock',
      host: undefined,
      protocol: 'http',
    });
  });

  it('takes unix:// paths, and an empty one as the default', () => {
    expect(ok({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).options.socketPath).toBe(
      '/run/user/1000/docker.sock',
    );
    expect(ok({ DOCKER_HOST: 'unix://' }).endpoint).toBe('unix:///var/run/docker.sock');
  });

  it('takes tcp:// with a port, a bare host:port as tcp, and 2375 as the default port', () => {
    expect(ok({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }).options).toMatchObject({
      host: '10.0.0.5',
      port: '2375',
      protocol: 'http',
      socketPath: undefined,
    });
    const bare = ok({ DOCKER_HOST: 'docker.internal:4243' });
    expect(bare.endpoint).toBe('tcp://docker.internal:4243');
    expect(bare.options).toMatchObject({ host: 'docker.internal', port: '4243' });
    expect(ok({ DOCKER_HOST: 'tcp://docker.internal' }).options.port).toBe('2375');
  });

  it('uses https with the CA, cert and key from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', () => {
    const certs = join(home, 'certs');
    mkdirSync(certs, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, f), `-- ${f} --`);
    const r = ok({ DOCKER_HOST: 'tcp://remote:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(r.options.protocol).toBe('https');
    expect(r.options.ca?.toString()).toBe('-- ca.pem --');
    expect(r.options.cert?.toString()).toBe('-- cert.pem --');
    expect(r.options.key?.toString()).toBe('-- key.pem --');
    expect(
      ok({ DOCKER_HOST: 'tcp://remote', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }).options.port,
    ).toBe('2376');
  });

  it('reads TLS files from <home>/.docker by default and says which are missing', () => {
    const r = bad({ DOCKER_HOST: 'tcp://remote:2376', DOCKER_TLS_VERIFY: '1' });
    expect(r.problem).toContain('DOCKER_TLS_VERIFY is set but the TLS files could not be read');
    expect(r.problem).toContain(join(home, '.docker', 'ca.pem'));
    expect(r.advice).toContain('DOCKER_CERT_PATH');
  });

  it('passes ssh:// to the system ssh with the user and port given, leaving the rest to ~/.ssh/config', () => {
    const r = ok({ DOCKER_HOST: 'ssh://deploy@build.example.com:2222' });
    expect(r.endpoint).toBe('ssh://deploy@build.example.com:2222');
    expect(r.ssh).toEqual({ host: 'build.example.com', user: 'deploy', port: '2222' });
    expect(r.options.protocol).toBe('http');
    expect(ok({ DOCKER_HOST: 'ssh://prod-alias' }).ssh).toEqual({ host: 'prod-alias' });
  });

  it.each([
    ['http://host:2375', 'unsupported scheme "http://"'],
    ['npipe:////./pipe/docker_engine', 'unsupported scheme'],
    ['unix://relative.sock', 'absolute socket path'],
    ['tcp://', 'names no host'],
    ['tcp://host:99999', 'not a valid address'],
    ['tcp://host:2375/some/path', 'must not have a path'],
  ])('rejects DOCKER_HOST=%s (%s)', (value, problem) => {
    const r = bad({ DOCKER_HOST: value });
    expect(r.problem).toContain(`DOCKER_HOST=${value}`);
    expect(r.problem).toContain(problem);
    expect(r.advice).toMatch(/unix:\/\/.*tcp:\/\/.*ssh:\/\//);
  });
});
