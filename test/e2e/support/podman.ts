/**
 * A private `podman system service` for e2e tests: Debian's Podman (installed and given the
 * fixture images by scripts/ensure-podman.sh), serving the Docker API on a socket only the test
 * uses, with a containers.conf of its own. Podman's storage is the machine's (/var/lib/containers);
 * tests clean up what they made by label.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { E2E_LABEL, waitFor } from './engine.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);

export interface PodmanService {
  /** `unix:///…/podman.sock`, for DOCKER_HOST. */
  host: string;
  /** dockerode on the service's Docker-compatible API. */
  api: Docker;
  /** Environment for the `podman` CLI so it uses the same configuration. */
  env: NodeJS.ProcessEnv;
  /** `podman ARGS` (stdout), with the test's configuration. */
  podman(args: string[]): Promise<string>;
  /** Removes containers, volumes and networks labelled with the project. */
  cleanup(project: string): Promise<void>;
  stop(): Promise<void>;
}

/** Installs Podman if missing and loads the fixture images into it (idempotent, quick when done). */
export function ensurePodman(): void {
  const res = spawnSync('bash', ['scripts/ensure-podman.sh'], { cwd: repoRoot, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`scripts/ensure-podman.sh failed (exit ${res.status ?? res.signal})`);
}

/**
 * Starts the service. Its containers.conf sets what this kind of host needs:
 * - default ulimits the host allows: Podman asks for nofile and nproc of 1048576, and a host
 *   without CAP_SYS_RESOURCE refuses to raise a limit, so containers would not start. Podman
 *   also lowers its own nproc to 32768 at most; the shell lowers it first so both agree.
 * - netavark, whose aardvark-dns resolves service names (CNI here has no DNS plugin); `cni`
 *   on request, to see deployctl refuse a network without DNS.
 */
export async function startPodman(
  opts: { networkBackend?: 'netavark' | 'cni' } = {},
): Promise<PodmanService> {
  const dir = await mkdtemp(join(tmpdir(), 'deployctl-podman-'));
  const socket = join(dir, 'podman.sock');
  const conf = join(dir, 'containers.conf');
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const script = `set -e
nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
ulimit -u "$nproc"
printf '[containers]\\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\\n[network]\\nnetwork_backend = "%s"\\n' \\
  "$nofile" "$nofile" "$nproc" "$nproc" "$BACKEND" >"$CONF"
exec podman system service --time=0 "unix://$SOCK"`;
  await writeFile(join(dir, 'start.sh'), script);
  const child: ChildProcess = spawn('bash', [join(dir, 'start.sh')], {
    env: { ...env, CONF: conf, SOCK: socket, BACKEND: opts.networkBackend ?? 'netavark' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
  const api = new Docker({ socketPath: socket });
  await waitFor(
    `podman system service to answer on ${socket}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`podman system service exited: ${log}`);
      return api.ping().then(
        () => true,
        () => false,
      );
    },
    30_000,
  );

  const podman = async (args: string[]): Promise<string> =>
    (await run('podman', args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout;

  const gone = (err: unknown): void => {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  };
  const cleanup = async (project: string): Promise<void> => {
    for (const label of [`deployctl.project=${project}`, `${E2E_LABEL}=${project}`]) {
      const containers = await api.listContainers({ all: true, filters: { label: [label] } });
      for (const c of containers) await api.getContainer(c.Id).remove({ force: true, v: true }).catch(gone);
    }
    for (const label of [`deployctl.project=${project}`, `${E2E_LABEL}=${project}`]) {
      const { Volumes } = await api.listVolumes({ filters: { label: [label] } });
      for (const v of Volumes ?? []) await api.getVolume(v.Name).remove().catch(gone);
      for (const n of await api.listNetworks({ filters: { label: [label] } }))
        await api.getNetwork(n.Id).remove().catch(gone);
    }
  };

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  return { host: `unix://${socket}`, api, env, podman, cleanup, stop };
}
