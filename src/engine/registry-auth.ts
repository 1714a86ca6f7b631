import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from './engine-error.js';

/** What the engine wants in X-Registry-Auth (never logged, never put in a message). */
export interface RegistryCredentials {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface AuthLookupOptions {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** How long a credential helper may take (default 30 s). */
  helperTimeoutMs?: number;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface CliConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The key Docker Hub's credentials live under, for historical reasons. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * The registry host of an image reference, as the docker CLI decides it: the first path
 * component is a registry when it has a `.` or a `:` or is `localhost`; otherwise Docker Hub.
 */
export function registryHost(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash === -1) return 'docker.io';
  const first = ref.slice(0, slash);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return 'docker.io';
  return first === 'index.docker.io' ? 'docker.io' : first;
}

/** Where the docker CLI keeps credentials for a registry host. */
export function authKey(host: string): string {
  return host === 'docker.io' ? DOCKER_HUB_AUTH_KEY : host;
}

/** The CLI compares `auths` keys by host: `https://reg.example.com/v1/` is `reg.example.com`. */
function hostOfKey(key: string): string {
  const noScheme = key.replace(/^https?:\/\//, '');
  return noScheme.split('/')[0] ?? noScheme;
}

function fromEntry(entry: AuthEntry | undefined, serveraddress: string): RegistryCredentials | undefined {
  if (!entry) return undefined;
  if (entry.identitytoken) return { serveraddress, identitytoken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return { serveraddress, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password)
    return { serveraddress, username: entry.username, password: entry.password };
  return undefined;
}

function lookupAuths(auths: Record<string, AuthEntry> | undefined, key: string): AuthEntry | undefined {
  if (!auths) return undefined;
  if (auths[key]) return auths[key];
  const host = hostOfKey(key);
  const match = Object.keys(auths).find((k) => hostOfKey(k) === host);
  return match === undefined ? undefined : auths[match];
}

async function readCliConfig(file: string, ref: string): Promise<CliConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined; // no docker CLI config: anonymous pulls, as the CLI does
  }
  try {
    return JSON.parse(text) as CliConfig;
  } catch (err) {
    throw new EngineError(
      'pull_failed',
      `could not pull ${ref}: the docker CLI config ${file} is not valid JSON (${(err as Error).message}), so its registry credentials cannot be read. Nothing was pulled; fix or move that file (the docker CLI fails on it too) and try again.`,
      { cause: err },
    );
  }
}

/**
 * The credentials the docker CLI would send when pulling `ref`: from `credHelpers[host]`, else
 * `credsStore`, through `docker-credential-<name> get`; otherwise from `auths` in
 * `$DOCKER_CONFIG/config.json` (default `<home>/.docker/config.json`). Undefined: pull anonymously.
 */
export async function resolveRegistryAuth(
  ref: string,
  opts: AuthLookupOptions,
): Promise<RegistryCredentials | undefined> {
  const dir = opts.env['DOCKER_CONFIG'] || join(opts.homeDir, '.docker');
  const file = join(dir, 'config.json');
  const config = await readCliConfig(file, ref);
  if (!config) return undefined;
  const host = registryHost(ref);
  const key = authKey(host);
  const helper = config.credHelpers?.[host] ?? config.credHelpers?.[key] ?? config.credsStore;
  if (helper) return runCredentialHelper(helper, key, { ...opts, ref, file });
  return fromEntry(lookupAuths(config.auths, key), key);
}

interface HelperContext extends AuthLookupOptions {
  ref: string;
  file: string;
}

/** The credential-helper protocol: `get`, server URL on stdin, `{ServerURL,Username,Secret}` on stdout. */
export async function runCredentialHelper(
  helper: string,
  key: string,
  ctx: HelperContext,
): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  const fail = (why: string, cause?: unknown): EngineError =>
    new EngineError(
      'pull_failed',
      `could not pull ${ctx.ref}: the credential helper ${program} (configured in ${ctx.file}) ${why}. Nothing was pulled; check that the helper is installed and logged in (\`docker login ${registryHost(ctx.ref)}\`), or remove it from that file to pull anonymously.`,
      { cause },
    );
  const env = Object.fromEntries(
    Object.entries(ctx.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const { code, stdout, stderr, error } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    error?: Error;
  }>((resolve) => {
    const child = spawn(program, ['get'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: ctx.helperTimeoutMs ?? 30_000,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', (e) => resolve({ code: null, stdout: out, stderr: err, error: e }));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    child.stdin.on('error', () => undefined); // a helper that exits without reading: judged by its exit code
    child.stdin.end(key);
  });
  if (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw fail(
      missing ? 'is not installed (not found on PATH)' : `could not be run (${error.message})`,
      error,
    );
  }
  if (code !== 0) {
    // The protocol's way of saying "no credentials for this registry": pull anonymously.
    if (/credentials not found/i.test(stdout + stderr)) return undefined;
    const said = (stderr.trim() || stdout.trim()).split('\n')[0] ?? '';
    throw fail(`failed with exit code ${code}${said ? `: ${said}` : ''}`);
  }
  let parsed: { ServerURL?: string; Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch (err) {
    throw fail('printed something that is not JSON', err);
  }
  if (!parsed.Secret) return undefined;
  // `<token>` as the user name is the protocol's marker for an identity (refresh) token.
  if (parsed.Username === '<token>') return { serveraddress: key, identitytoken: parsed.Secret };
  return { serveraddress: key, username: parsed.Username ?? '', password: parsed.Secret };
}
