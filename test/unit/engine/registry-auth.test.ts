import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEngineError } from '../../../src/engine/engine-error.js';
import { DOCKER_HUB_AUTH_KEY, registryHost, resolveRegistryAuth } from '../../../src/engine/registry-auth.js';

describe('registryHost', () => {
  it.each([
    ['postgres', 'docker.io'],
    ['postgres:15', 'docker.io'],
    ['library/postgres:15', 'docker.io'],
    ['traefik/whoami', 'docker.io'],
    ['docker.io/library/postgres', 'docker.io'],
    ['index.docker.io/library/postgres', 'docker.io'],
    ['registry.example.com/sancho/backend:1', 'registry.example.com'],
    ['127.0.0.1:5000/app:v1', '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['ghcr.io/org/app@sha256:abc', 'ghcr.io'],
  ])('%s -> %s', (ref, host) => {
    expect(registryHost(ref)).toBe(host);
  });
});

describe('resolveRegistryAuth', () => {
  let dir: string;
  let configDir: string;
  let binDir: string;
  let env: Record<string, string | undefined>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deployctl-auth-'));
    configDir = join(dir, 'docker-config');
    binDir = join(dir, 'bin');
    mkdirSync(configDir);
    mkdirSync(binDir);
    env = { DOCKER_CONFIG: configDir, PATH: `${binDir}:/usr/bin:/bin` };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (json: unknown): void =>
    writeFileSync(join(configDir, 'config.json'), typeof json === 'string' ? json : JSON.stringify(json));
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  /** A fake `docker-credential-<name>`: records its stdin and args, prints `stdout`, exits `code`. */
  const helper = (name: string, script: string): void => {
    const file = join(binDir, `docker-credential-${name}`);
    writeFileSync(
      file,
      `#!/bin/sh\nread -r server\necho "$@ $server" > "${dir}/${name}.called"\n${script}\n`,
    );
    chmodSync(file, 0o755);
  };
  const lookup = (ref: string) => resolveRegistryAuth(ref, { env, homeDir: join(dir, 'home') });

  it('pulls anonymously when there is no CLI config', async () => {
    expect(await lookup('registry.example.com/app:1')).toBeUndefined();
  });

  it('reads <home>/.docker/config.json when DOCKER_CONFIG is unset', async () => {
    mkdirSync(join(dir, 'home', '.docker'), { recursive: true });
    writeFileSync(
      join(dir, 'home', '.docker', 'config.json'),
      JSON.stringify({ auths: { 'reg.example.com': { auth: b64('u:p') } } }),
    );
    env = { PATH: env['PATH'] };
    expect(await lookup('reg.example.com/app')).toEqual({
      serveraddress: 'reg.example.com',
      username: 'u',
      password: 'p',
    });
  });

  it('decodes auths[host].auth, keeping colons in the password', async () => {
    config({ auths: { 'registry.example.com': { auth: b64('deploy:pa:ss') } } });
    expect(await lookup('registry.example.com/sancho/backend:1')).toEqual({
      serveraddress: 'registry.example.com',
      username: 'deploy',
      password: 'pa:ss',
    });
  });

  it('matches auths keys written as URLs, and Docker Hub under its historical key', async () => {
    config({
      auths: {
        'https://registry.example.com/v2/': { auth: b64('a:b') },
        [DOCKER_HUB_AUTH_KEY]: { auth: b64('hub:secret') },
      },
    });
    expect(await lookup('registry.example.com/x')).toMatchObject({ username: 'a', password: 'b' });
    expect(await lookup('postgres:15')).toEqual({
      serveraddress: DOCKER_HUB_AUTH_KEY,
      username: 'hub',
      password: 'secret',
    });
    expect(await lookup('other.example.com/x')).toBeUndefined();
  });

  it('uses an identity token when that is what the config holds', async () => {
    config({ auths: { 'reg.example.com': { identitytoken: 'tok' } } });
    expect(await lookup('reg.example.com/x')).toEqual({
      serveraddress: 'reg.example.com',
      identitytoken: 'tok',
    });
  });

  it('asks credHelpers[host] with `get` and the server on stdin, before auths', async () => {
    config({
      auths: { 'reg.example.com': { auth: b64('file:creds') } },
      credHelpers: { 'reg.example.com': 'fake' },
    });
    helper('fake', `echo '{"ServerURL":"reg.example.com","Username":"helper-user","Secret":"helper-pass"}'`);
    expect(await lookup('reg.example.com/app:1')).toEqual({
      serveraddress: 'reg.example.com',
      username: 'helper-user',
      password: 'helper-pass',
    });
    expect(readFileSync(join(dir, 'fake.called'), 'utf8')).toBe('get reg.example.com\n');
  });

  it('uses credsStore for every registry, with Docker Hub’s key, and maps <token> to an identity token', async () => {
    config({ credsStore: 'store' });
    helper('store', `echo '{"ServerURL":"x","Username":"<token>","Secret":"refresh-token"}'`);
    expect(await lookup('traefik:v2.11')).toEqual({
      serveraddress: DOCKER_HUB_AUTH_KEY,
      identitytoken: 'refresh-token',
    });
    expect(readFileSync(join(dir, 'store.called'), 'utf8')).toBe(`get ${DOCKER_HUB_AUTH_KEY}\n`);
  });

  it('treats "credentials not found" from a helper as anonymous', async () => {
    config({ credsStore: 'store' });
    helper('store', 'echo "credentials not found in native keychain"; exit 1');
    expect(await lookup('reg.example.com/app')).toBeUndefined();
  });

  it('fails as pull_failed naming the helper when it is missing or fails, without leaking anything secret', async () => {
    config({ credHelpers: { 'reg.example.com': 'absent' } });
    const missing = await lookup('reg.example.com/app').catch((e: unknown) => e);
    expect(isEngineError(missing, 'pull_failed')).toBe(true);
    expect((missing as Error).message).toContain('docker-credential-absent');
    expect((missing as Error).message).toContain('not installed');

    config({ credHelpers: { 'reg.example.com': 'broken' } });
    helper('broken', 'echo "keychain locked" >&2; exit 3');
    const failed = await lookup('reg.example.com/app').catch((e: unknown) => e);
    expect((failed as Error).message).toMatch(
      /docker-credential-broken .*failed with exit code 3: keychain locked/,
    );
  });

  it('reports a config file that is not JSON', async () => {
    config('{ nope');
    const err = await lookup('reg.example.com/app').catch((e: unknown) => e);
    expect(isEngineError(err, 'pull_failed')).toBe(true);
    expect((err as Error).message).toContain(join(configDir, 'config.json'));
  });
});
