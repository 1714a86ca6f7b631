import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDockerHost } from '../../../src/engine/docker-host.js';

const home = mkdtempSync(join(tmpdir(), 'deployctl-ctx-'));
const config = join(home, 'dockercfg');
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Writes a context as `docker context create` stores it. */
function context(name: string, host: string, opts: { skipTls?: boolean; tls?: boolean } = {}): void {
  const id = createHash('sha256').update(name).digest('hex');
  const meta = join(config, 'contexts', 'meta', id);
  mkdirSync(meta, { recursive: true });
  writeFileSync(
    join(meta, 'meta.json'),
    JSON.stringify({
      Name: name,
      Metadata: {},
      Endpoints: { docker: { Host: host, SkipTLSVerify: opts.skipTls ?? false } },
    }),
  );
  if (opts.tls) {
    const tls = join(config, 'contexts', 'tls', id, 'docker');
    mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(tls, f), `${name}-${f}`);
  }
}

context('remote', 'ssh://deploy@prod.example.com:2222');
context('tls', 'tcp://build.example.com:2376', { tls: true });
context('local', 'unix:///var/run/docker.sock');
writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'remote' }));

const env = (e: Record<string, string | undefined>) => ({ DOCKER_CONFIG: config, ...e });

describe('docker contexts, resolved as the docker CLI does', () => {
  it('uses the current context of config.json (DOCKER_CONFIG moves ~/.docker)', () => {
    const r = resolveDockerHost(env({}), home);
    expect(r).toMatchObject({ ok: true, context: 'remote', endpoint: 'ssh://deploy@prod.example.com:2222' });
    expect(r.ssh).toEqual({ host: 'prod.example.com', user: 'deploy', port: '2222' });
  });

  it('prefers DOCKER_CONTEXT over the current context', () => {
    expect(resolveDockerHost(env({ DOCKER_CONTEXT: 'local' }), home)).toMatchObject({
      ok: true,
      context: 'local',
      endpoint: 'unix:///var/run/docker.sock',
    });
  });

  it('lets DOCKER_HOST win over DOCKER_CONTEXT and the current context', () => {
    const r = resolveDockerHost(env({ DOCKER_HOST: 'tcp://10.0.0.1:2375', DOCKER_CONTEXT: 'remote' }), home);
    expect(r).toMatchObject({ ok: true, endpoint: 'tcp://10.0.0.1:2375' });
    expect(r.context).toBeUndefined();
  });

  it('lets an explicit --context win over DOCKER_HOST', () => {
    expect(resolveDockerHost(env({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }), home, 'local')).toMatchObject({
      ok: true,
      context: 'local',
      endpoint: 'unix:///var/run/docker.sock',
    });
  });

  it('reads the TLS material stored with the context', () => {
    const r = resolveDockerHost(env({}), home, 'tls');
    if (!r.ok) throw new Error(r.problem);
    expect(r.options.protocol).toBe('https');
    expect(r.options.ca?.toString()).toBe('tls-ca.pem');
    expect(r.options.cert?.toString()).toBe('tls-cert.pem');
    expect(r.options.key?.toString()).toBe('tls-key.pem');
  });

  it('the default context is DOCKER_HOST, else the local socket', () => {
    expect(resolveDockerHost(env({}), home, 'default')).toMatchObject({
      ok: true,
      endpoint: 'unix:///var/run/docker.sock',
    });
    expect(resolveDockerHost({ DOCKER_CONFIG: join(home, 'none') }, home)).toMatchObject({
      ok: true,
      endpoint: 'unix:///var/run/docker.sock',
    });
  });

  it('refuses an unknown context, listing the ones there are', () => {
    const r = resolveDockerHost(env({ DOCKER_CONTEXT: 'nope' }), home);
    if (r.ok) throw new Error('expected a problem');
    expect(r.problem).toBe(
      `DOCKER_CONTEXT names a context that cannot be used: there is no docker context named "nope" in ${config} (contexts: default, local, remote, tls)`,
    );
    expect(r.advice).toContain('docker context use');
  });
});
