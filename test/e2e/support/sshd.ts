/**
 * A real OpenSSH server for the ssh e2e tests: Debian's sshd on 127.0.0.1:<free port> with its
 * own host key, config, authorized_keys and log, started and stopped by the test. The engine
 * behind it is the shared local one (`docker system dial-stdio` runs the docker CLI there).
 *
 * OpenSSH takes `~` from the password database, not $HOME, so a client "home" (`.ssh/config`,
 * `known_hosts`, keys) is put in place by running the CLI in a private mount namespace with a
 * temp directory bound over /root: deployctl itself has no test-only knob.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, type CliOptions, type CliRun } from './cli.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

/** Installs Debian's openssh-server when sshd is missing (CI machines start without it). */
export async function ensureSshd(): Promise<void> {
  if (existsSync(SSHD)) return;
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'openssh-server'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 300_000,
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function keygen(file: string): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deployctl-e2e', '-f', file]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

export interface Sshd {
  port: number;
  dir: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 …`: the line known_hosts needs to trust this server. */
  knownHostsLine: string;
  /** The server's host key fingerprint (SHA256:…). */
  fingerprint: string;
  /** How many logins sshd has accepted so far ("Accepted publickey" log lines). */
  accepted(): Promise<number>;
  /** How many sessions (remote commands) sshd has started so far; forwarded channels are none. */
  sessions(): Promise<number>;
  /** Authorizes a client public key. */
  authorize(pubKey: string): Promise<void>;
  /** Forgets every authorized key: new logins fail until keys are authorized again. */
  deauthorizeAll(): Promise<void>;
  /** Kills every per-connection sshd process (the connections drop; the listener stays). */
  dropConnections(): Promise<void>;
  stop(): Promise<void>;
}

/** `extraConfig`: more sshd_config lines, e.g. `AllowStreamLocalForwarding no`. */
export async function startSshd(extraConfig: string[] = []): Promise<Sshd> {
  await ensureSshd();
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'deployctl-sshd-'));
  const port = await freePort();
  const hostKey = join(dir, 'host_ed25519');
  const hostPub = await keygen(hostKey);
  const authorized = join(dir, 'authorized_keys');
  await writeFile(authorized, '');
  await chmod(authorized, 0o600);
  const pidFile = join(dir, 'sshd.pid');
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${authorized}`,
      'PermitRootLogin yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 50',
      'MaxStartups 50',
      'LogLevel VERBOSE',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logText = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (logText += d));
  // Listening once the pid file is written (sshd writes it after binding).
  const deadline = Date.now() + 30_000;
  while (!existsSync(pidFile)) {
    if (child.exitCode !== null) throw new Error(`sshd did not start: ${logText}`);
    if (Date.now() > deadline) throw new Error(`sshd did not start in 30 s: ${logText}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const { stdout: fp } = await run('ssh-keygen', ['-lf', `${hostKey}.pub`]);
  const listenerPid = child.pid!;
  return {
    port,
    dir,
    knownHostsLine: `[127.0.0.1]:${port} ${hostPub.split(' ').slice(0, 2).join(' ')}`,
    fingerprint: /SHA256:\S+/.exec(fp)![0],
    accepted: () => Promise.resolve((logText.match(/Accepted publickey/g) ?? []).length),
    sessions: () => Promise.resolve((logText.match(/Starting session:/g) ?? []).length),
    authorize: async (pubKey) => writeFile(authorized, `${pubKey}\n`, { flag: 'a' }),
    deauthorizeAll: async () => writeFile(authorized, ''),
    dropConnections: async () => {
      // Per-connection sshd processes are children of the listener.
      const { stdout } = await run('pgrep', ['-P', String(listenerPid)]).catch(() => ({ stdout: '' }));
      for (const pid of stdout.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    stop: async () => {
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A client home: `.ssh/` with a throwaway key, a config and known_hosts, bound over ~ for the CLI. */
export interface SshClientHome {
  home: string;
  pubKey: string;
  keyFile: string;
  setConfig(text: string): Promise<void>;
  setKnownHosts(text: string): Promise<void>;
}

export async function clientHome(): Promise<SshClientHome> {
  const home = await mkdtemp(join(tmpdir(), 'deployctl-sshhome-'));
  const ssh = join(home, '.ssh');
  await mkdir(ssh, { mode: 0o700 });
  const keyFile = join(ssh, 'id_ed25519');
  const pubKey = await keygen(keyFile);
  const write = async (name: string, text: string) => {
    await writeFile(join(ssh, name), text);
    await chmod(join(ssh, name), 0o600);
  };
  await write('config', '');
  await write('known_hosts', '');
  return {
    home,
    pubKey,
    keyFile,
    setConfig: (text) => write('config', text),
    setKnownHosts: (text) => write('known_hosts', text),
  };
}

/** The user's real home as OpenSSH sees it (the mount point the tests bind over). */
const PASSWD_HOME = homedir();

/**
 * Starts `deployctl ARGS` (or another program with `program`) with `home` bound over the user's
 * home in a private mount namespace: ssh then reads `home/.ssh` as `~/.ssh`.
 */
export function startInHome(
  home: string,
  args: string[],
  opts: CliOptions & { program?: string[] } = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const started = Date.now();
  const program = opts.program ?? [process.execPath, CLI];
  const child = spawn(
    'unshare',
    [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$0" "$1" && shift && exec "$@"',
      home,
      PASSWD_HOME,
      ...program,
      ...args,
    ],
    {
      cwd: opts.cwd,
      env: {
        ...process.env,
        CI: 'true',
        NO_COLOR: '1',
        DEPLOY_ID: undefined,
        SSH_AUTH_SOCK: undefined,
        HOME: PASSWD_HOME,
        ...opts.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(opts.input ?? '');
  const done = new Promise<CliRun>((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

export function runInHome(
  home: string,
  args: string[],
  opts: CliOptions & { program?: string[] } = {},
): Promise<CliRun> {
  return startInHome(home, args, opts).done;
}
