import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { forwardEngineSocket } from './ssh-forward.js';

/** Where an `ssh://[user@]host[:port]` DOCKER_HOST points; unset parts come from ~/.ssh/config. */
export interface SshTarget {
  host: string;
  user?: string;
  port?: string;
}

/** Seconds ssh may take to open the TCP connection (the docker CLI uses 30 s as well). */
const SSH_CONNECT_TIMEOUT_S = 30;

/**
 * A failure of the ssh transport itself (as opposed to the engine refusing a request): carries
 * the code engine-failure.ts maps to an ENGINE_UNREACHABLE error, and the explanation.
 */
export class SshTransportError extends Error {
  readonly code = 'DEPLOYCTL_SSH';
  constructor(
    readonly why: string,
    readonly advice: string,
  ) {
    super(why);
    this.name = 'SshTransportError';
  }
}

function destination(t: SshTarget): string {
  return `${t.user ? `${t.user}@` : ''}${t.host}${t.port ? `:${t.port}` : ''}`;
}

/** Turns what ssh printed before giving up into a sentence and advice, as the user needs them. */
export function explainSshFailure(
  target: SshTarget,
  exitCode: number | null,
  stderr: string,
): SshTransportError {
  const dest = destination(target);
  const text = stderr.trim();
  const port = target.port ?? '22';
  const fingerprint = /(SHA256:[A-Za-z0-9+/=]+)/.exec(text)?.[1];
  const lastLine =
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('@') && !l.startsWith('Warning: Permanently added'))
      .pop() ?? '';
  if (
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(text)
  ) {
    const changed = /IDENTIFICATION HAS CHANGED/i.test(text);
    return new SshTransportError(
      `ssh refused the host key of ${target.host} (${changed ? 'it differs from the one in known_hosts' : 'the host is not in known_hosts'}${fingerprint ? `; its key fingerprint is ${fingerprint}` : ''})`,
      changed
        ? `If the host was really reinstalled, check the new fingerprint out of band, remove the old entry (\`ssh-keygen -R '[${target.host}]:${port}'\`) and add the new one (\`ssh-keyscan -p ${port} ${target.host} >> ~/.ssh/known_hosts\`); otherwise someone may be intercepting the connection.`
        : `Check the fingerprint with the host's administrator (\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on the host), then trust it with \`ssh-keyscan -p ${port} ${target.host} >> ~/.ssh/known_hosts\`.`,
    );
  }
  if (/Permission denied/i.test(text)) {
    return new SshTransportError(
      `ssh could not log in to ${dest} (${lastLine})`,
      `Check that the user is right (ssh://user@host or User in ~/.ssh/config) and that its key (IdentityFile in ~/.ssh/config, or ~/.ssh/id_ed25519 / id_rsa) is in that user's authorized_keys on the host; \`ssh ${dest.replace(/:\d+$/, '')}${target.port ? ` -p ${target.port}` : ''} docker version\` must work without a prompt.`,
    );
  }
  if (/Could not resolve hostname/i.test(text)) {
    return new SshTransportError(
      `ssh could not resolve the host name ${target.host}`,
      'Check the host in DOCKER_HOST (or the Host alias in ~/.ssh/config) and this machine’s DNS.',
    );
  }
  if (/Connection refused|Connection timed out|No route to host|Network is unreachable/i.test(text)) {
    return new SshTransportError(
      `ssh could not connect to ${dest} (${lastLine})`,
      'Check that sshd runs on that host and port and that the network path (firewall, VPN) allows it.',
    );
  }
  if (
    exitCode === 255 ||
    /closed by remote host|Connection reset|Broken pipe|Connection to .* closed/i.test(text)
  ) {
    return new SshTransportError(
      `the ssh connection to ${dest} was lost${lastLine ? ` (${lastLine})` : ''}`,
      'Check that the host is still up and reachable; what was already changed stays as it is, and running the command again continues from there.',
    );
  }
  if (/docker: (command )?not found|unknown command "dial-stdio"|not found/i.test(text)) {
    return new SshTransportError(
      `ssh logged in to ${dest} but could not run \`docker system dial-stdio\` there (${lastLine})`,
      'Install the docker CLI on that host (18.09 or later) and make sure it is on the PATH of non-interactive ssh sessions.',
    );
  }
  return new SshTransportError(
    `the ssh connection to ${dest} ended${exitCode !== null ? ` (ssh exit code ${exitCode})` : ''}${lastLine ? `: ${lastLine}` : ''}`,
    `Check that \`ssh ${dest.replace(/:\d+$/, '')}${target.port ? ` -p ${target.port}` : ''} docker system dial-stdio\` works from this machine without a prompt.`,
  );
}

/** How long after its output ends ssh may take to exit before the end is passed on regardless. */
const EOF_GRACE_MS = 250;

/**
 * One HTTP connection: the stdin/stdout of an `ssh … docker system dial-stdio` child, or a
 * connection to the master's forward of the engine socket. It exists (and counts against the
 * agent's maxSockets) at once; what carries it is attached a little later, once the master
 * connection is logged in. Writes wait for it.
 */
class SshStream extends Duplex {
  private stderr = '';
  private exited = false;
  private child: ChildProcessWithoutNullStreams | undefined;
  /** Instead of a child: a connection to the master's forward of the engine socket. */
  private socket: Socket | undefined;
  private pending: { chunk: Buffer; done: (err?: Error | null) => void }[] = [];
  private ended = false;
  private referenced = true;
  /** EOF was passed on before ssh exited (see attach). */
  private eofPassed = false;

  constructor(
    private readonly target: SshTarget,
    /** The first stream's ssh is the ControlMaster: ending it early would cut the others. */
    readonly isMaster: boolean,
  ) {
    super({ allowHalfOpen: false });
  }

  attach(child: ChildProcessWithoutNullStreams): void {
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    // EOF is passed on only once ssh has exited, so that a failure (exit 255) becomes our error
    // rather than an anonymous "socket hang up".
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 8192) this.stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => {
      // EPIPE when ssh is gone: the close handler reports why.
    });
    // The master ssh outlives its own session while sessions multiplexed over it last, so its
    // exit can come long after its stdout ended (the engine closing a finished exec stream): a
    // response read to EOF would then never end. Once ssh has had a moment to exit with a
    // failure, the end of its output is passed on by itself.
    child.stdout.on('end', () => {
      setTimeout(() => {
        if (this.exited || this.destroyed) return;
        this.eofPassed = true;
        this.push(null);
      }, EOF_GRACE_MS).unref();
    });
    child.on('error', (err) => this.destroy(err));
    child.on('close', (code) => {
      this.exited = true;
      if (this.destroyed || this.eofPassed) return;
      if (code === 0) {
        this.push(null);
        return;
      }
      this.destroy(explainSshFailure(this.target, code, this.stderr));
    });
    if (this.destroyed) {
      this.release();
      return;
    }
    for (const { chunk, done } of this.pending.splice(0)) child.stdin.write(chunk, () => done());
    if (this.ended) child.stdin.end();
    if (!this.referenced) this.unref();
  }

  /**
   * Carries this stream over `socket`, a connection to the engine socket the master forwards
   * (ssh-forward.ts). Its failures read as what they are: the ssh connection was lost.
   */
  attachSocket(socket: Socket): void {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.destroy(explainSshFailure(this.target, 255, `Connection reset: ${err.code ?? err.message}`)),
    );
    socket.on('close', () => {
      if (!this.destroyed) this.push(null);
    });
    if (this.destroyed) {
      socket.destroy();
      return;
    }
    for (const { chunk, done } of this.pending.splice(0)) socket.write(chunk, () => done());
    if (this.ended) socket.end();
    if (!this.referenced) socket.unref();
  }

  override _read(): void {
    this.child?.stdout.resume();
    this.socket?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.socket) {
      this.socket.write(chunk, (err) => done(err));
      return;
    }
    if (!this.child) {
      this.pending.push({ chunk, done });
      return;
    }
    if (this.exited) {
      done(explainSshFailure(this.target, null, this.stderr));
      return;
    }
    this.child.stdin.write(chunk, () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.ended = true;
    this.child?.stdin.end();
    this.socket?.end();
    done();
  }

  /** Lets go of the child: stdin closed (the remote dial-stdio ends), never keeping us alive. */
  private release(): void {
    this.socket?.destroy();
    const child = this.child;
    if (!child || this.exited) return;
    child.stdin.end();
    this.unref();
    // A session multiplexed over the master can simply go; the master itself must stay for them
    // and ends when its stdin closes and they are done (ControlPersist=no).
    if (!this.isMaster) child.kill('SIGTERM');
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.release();
    done(err);
  }

  // What http.Agent and ClientRequest call on a net.Socket.
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    this.referenced = true;
    this.socket?.ref();
    const c = this.child;
    if (c) {
      c.ref();
      for (const s of [c.stdin, c.stdout, c.stderr]) (s as unknown as { ref?: () => void }).ref?.();
    }
    return this;
  }
  /** An idle kept-alive connection must not keep the process from exiting. */
  unref(): this {
    this.referenced = false;
    this.socket?.unref();
    const c = this.child;
    if (c) {
      c.unref();
      for (const s of [c.stdin, c.stdout, c.stderr]) (s as unknown as { unref?: () => void }).unref?.();
    }
    return this;
  }
}

export interface SshAgentOptions {
  /** The ssh program (default `ssh` on the PATH, as for the docker CLI). */
  sshCommand?: string;
  env: Record<string, string | undefined>;
  /** false: always `dial-stdio` streams, never a forward of the engine socket. */
  forward?: boolean;
  /** Registers cleanup to run as the process exits (the forwarded socket file ssh leaves). */
  atExit?: (cleanup: () => void) => void;
}

/** Concurrent connections once they are cheap channels of the forward (observe sends ~6 at once). */
const FORWARDED_STREAMS = 8;

/**
 * An http.Agent that reaches the engine the way `docker -H ssh://…` does: the system `ssh`
 * (so ~/.ssh/config, keys without an agent, known_hosts and StrictHostKeyChecking behave exactly
 * as for the user's own ssh) running `docker system dial-stdio` on the host, HTTP over its
 * stdin/stdout.
 *
 * Design: ONE ssh connection per run. HTTP needs one byte stream per concurrent request (and a
 * hijacked exec keeps its stream), so a single dial-stdio session cannot carry everything; one
 * ssh per stream would pay a full handshake (and a log line, and for some hosts a rate limit)
 * each time. So a first ssh becomes an OpenSSH ControlMaster on a private socket (carrying no
 * HTTP itself, see ensureMaster), every stream is a session multiplexed over it (no new
 * handshake), and streams are kept alive and reused between requests (at most two at a time,
 * see the constructor). Where the host allows it, the master also forwards a local socket to the
 * engine's (ssh-forward.ts) and streams become channels of that forward instead: no session and
 * no remote process each, so up to eight run side by side. Streams wait while the master is
 * still logging in, so concurrent first requests cannot race into several connections. `ControlPersist=no` and
 * stdin pipes mean that when deployctl exits — even killed with -9 — every session sees EOF
 * and the connection closes; nothing lingers on either host.
 */
export class SshDialAgent extends Agent {
  /** The master's control socket: ssh creates it (mode 0600) and removes it when it exits. */
  private readonly controlPath = join(tmpdir(), `deployctl-ssh-${randomBytes(8).toString('hex')}`);
  /** The master's forward of the engine socket (ssh-forward.ts), when the host allows it. */
  private readonly forwardPath = `${this.controlPath}.engine`;
  private masterLogin: Promise<void> | undefined;
  /** How streams reach the engine, decided once the master is logged in. */
  private transport: Promise<'forward' | 'dial'> | undefined;

  constructor(
    readonly target: SshTarget,
    private readonly opts: SshAgentOptions,
  ) {
    // Two streams: one may be held by an exec (its stdin/stdout), the other carries every other
    // request in turn. Each extra stream costs a remote `docker` process and a session set-up,
    // far more than queueing a request behind another on a loaded host.
    super({ keepAlive: true, maxSockets: 2 });
  }

  /** The ssh arguments, in the docker CLI's order. */
  sshArgs(): string[] {
    const args = [
      '-o',
      `ConnectTimeout=${SSH_CONNECT_TIMEOUT_S}`,
      '-o',
      'BatchMode=yes',
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${this.controlPath}`,
      '-o',
      'ControlPersist=no',
      '-T',
    ];
    args.push(...this.destinationArgs(), 'docker', 'system', 'dial-stdio');
    return args;
  }

  private destinationArgs(): string[] {
    return [
      ...(this.target.user ? ['-l', this.target.user] : []),
      ...(this.target.port ? ['-p', this.target.port] : []),
      '--',
      this.target.host,
    ];
  }

  private spawn(): ChildProcessWithoutNullStreams {
    return spawn(this.opts.sshCommand ?? 'ssh', this.sshArgs(), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: this.opts.env,
    });
  }

  override createConnection(): Duplex {
    this.ensureMaster();
    const stream = new SshStream(this.target, false);
    this.transport ??= (this.masterLogin ?? Promise.resolve()).then(() => this.chooseTransport());
    void this.transport.then((how) =>
      how === 'forward'
        ? stream.attachSocket(createConnection(this.forwardPath))
        : stream.attach(this.spawn()),
    );
    return stream;
  }

  /**
   * A forward of the engine socket over the master when the host allows it (a new connection is
   * then a channel, ~10 ms, instead of a session running a remote `docker`, ~200 ms), so
   * requests need not queue for a stream; otherwise `dial-stdio` streams, two at most.
   */
  private async chooseTransport(): Promise<'forward' | 'dial'> {
    // ssh leaves a forwarded socket file behind when it exits, also one whose check failed:
    // remove ours as we exit, and (after a kill -9) any whose master is gone, at the next run.
    if (this.opts.forward !== false) this.opts.atExit?.(() => rmSync(this.forwardPath, { force: true }));
    const usable =
      this.opts.forward !== false &&
      existsSync(this.controlPath) &&
      (await forwardEngineSocket({
        sshCommand: this.opts.sshCommand ?? 'ssh',
        env: this.opts.env,
        controlPath: this.controlPath,
        destination: this.destinationArgs(),
        localPath: this.forwardPath,
      }));
    if (!usable) return 'dial';
    this.maxSockets = FORWARDED_STREAMS;
    return 'forward';
  }

  /**
   * The ControlMaster holds the connection and carries no HTTP itself: were it an HTTP stream,
   * the end of a response read to EOF (an exec's output) would end its session, after which
   * OpenSSH takes no new sessions over it and the next stream would log in again. Its own
   * `dial-stdio` idles until deployctl exits and its stdin closes.
   */
  private ensureMaster(): void {
    if (this.masterLogin !== undefined || existsSync(this.controlPath)) return;
    removeOrphanForwards();
    const master = new SshStream(this.target, true);
    master.on('error', () => {
      // A failed login is reported by the stream that needed it (its own ssh fails alike).
    });
    master.attach(this.spawn());
    master.unref();
    // Streams wait until the master is logged in (its control socket appears) or gone.
    this.masterLogin = new Promise<void>((resolve) => {
      const done = () => {
        clearInterval(timer);
        this.masterLogin = undefined;
        resolve();
      };
      const timer = setInterval(() => {
        if (existsSync(this.controlPath) || master.destroyed) done();
      }, 15);
      master.once('close', done);
    });
  }
}

/** Forwarded socket files of runs killed before they could remove them (their master is gone). */
function removeOrphanForwards(): void {
  try {
    for (const name of readdirSync(tmpdir())) {
      const master = /^(deployctl-ssh-[0-9a-f]{16})\.engine$/.exec(name)?.[1];
      if (master && !existsSync(join(tmpdir(), master))) rmSync(join(tmpdir(), name), { force: true });
    }
  } catch {
    // A temp dir we cannot list or a file we cannot remove costs nothing but a stale file.
  }
}
