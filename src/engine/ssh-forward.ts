import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';

/**
 * Where the engine listens on the remote host when nothing says otherwise: the socket
 * `docker system dial-stdio` itself reaches there by default.
 */
export const REMOTE_ENGINE_SOCKET = '/var/run/docker.sock';

/** How long setting up and checking the forward may take before dial-stdio is used instead. */
const FORWARD_TIMEOUT_MS = 5000;

/**
 * Asks the ControlMaster at `controlPath` to forward the local unix socket `localPath` to the
 * engine's socket on the host (`ssh -O forward -L LOCAL:REMOTE`, OpenSSH's streamlocal
 * forwarding), then checks that the engine answers `/_ping` through it. Each HTTP connection is
 * then one channel on the connection already logged in: no new session, no remote `docker`
 * process, which is what a `dial-stdio` stream costs (~0.2 s each on a loaded host). False when
 * anything is refused or different (sshd's AllowStreamLocalForwarding no, a rootless or
 * elsewhere-listening engine, a socket the user may not open): the caller keeps dial-stdio,
 * which reaches whatever engine the host's docker CLI reaches.
 */
export async function forwardEngineSocket(opts: {
  sshCommand: string;
  env: Record<string, string | undefined>;
  controlPath: string;
  /** `-l USER`, `-p PORT`, `--`, `HOST`: how the master was addressed. */
  destination: string[];
  localPath: string;
}): Promise<boolean> {
  const deadline = AbortSignal.timeout(FORWARD_TIMEOUT_MS);
  const forwarded = await new Promise<boolean>((resolve) => {
    const child = spawn(
      opts.sshCommand,
      [
        '-o',
        `ControlPath=${opts.controlPath}`,
        '-o',
        'StreamLocalBindMask=0177',
        '-O',
        'forward',
        '-L',
        `${opts.localPath}:${REMOTE_ENGINE_SOCKET}`,
        ...opts.destination,
      ],
      { stdio: 'ignore', env: opts.env, signal: deadline },
    );
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
  return forwarded && (await pings(opts.localPath, deadline));
}

/** Whether `GET /_ping` through the socket gets the engine's `200 OK`. */
function pings(path: string, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    let head = '';
    const done = (ok: boolean): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () =>
      socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'),
    );
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n')) done(/^HTTP\/1\.[01] 200 /.test(head));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}
