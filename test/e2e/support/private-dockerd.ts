/**
 * A dockerd of the test's own, for tests that kill or restart the engine itself: its own
 * socket, data root, exec root and pidfile under one temp dir, and a network namespace of its
 * own (`ip netns`), so its docker0, bridges and veths never meet the shared daemon's: dockerd
 * deletes the interface named docker0 when it starts on a data root with a stale default bridge
 * and an address pool, or with `--bridge none`, which on the host would break every container the
 * shared daemon starts on its default bridge. No iptables rules, and user networks from an
 * address pool of its own. Containers reach each other on its networks; published ports are on
 * that namespace's loopback, not the host's. The shared daemon (/var/run/docker.pid) is never
 * signalled.
 *
 *   const d = await startPrivateDockerd();
 *   await d.loadImages(['deployctl-fixture/app:v1']);
 *   deployctl(args, { env: d.env });   // DOCKER_HOST=unix://…
 *   await d.kill(); await d.start();   // kill -9, then the same data root again
 *   await d.destroy();                 // in afterAll, even after a failure
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';

export interface PrivateDockerd {
  /** The temp dir holding everything of this daemon. */
  root: string;
  /** `unix:///tmp/…/docker.sock` */
  host: string;
  /** Environment for the CLI under test: `{ DOCKER_HOST }`. */
  env: { DOCKER_HOST: string };
  /** A client of this daemon, for assertions. */
  docker: Docker;
  /** Starts the daemon (again, on the same data root) and waits until it answers. */
  start(): Promise<void>;
  /** SIGTERM, as a clean shutdown or `systemctl stop docker` would; waits until it exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; waits until it exited. */
  kill(): Promise<void>;
  /** stop, then start. */
  restart(): Promise<void>;
  /** Copies images from the shared daemon (`docker save | docker -H … load`). */
  loadImages(refs: string[]): Promise<void>;
  /** Removes its containers and networks, stops it, unmounts and deletes its dirs. */
  destroy(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 45_000;

export async function startPrivateDockerd(): Promise<PrivateDockerd> {
  // Short: unix socket paths (containerd's lives under the exec root) are limited to 108 bytes.
  const root = await mkdtemp('/tmp/dctl-d-');
  const host = `unix://${root}/docker.sock`;
  const docker = new Docker({ socketPath: `${root}/docker.sock` });
  // A /16 of 10.200-249.x, carved into /24s: away from the shared daemon's 172.17+ and 192.168.
  const pool = `base=10.${200 + Math.floor(Math.random() * 50)}.0.0/16,size=24`;
  let proc: ChildProcess | undefined;
  const netns = `dctl-${root.slice(-6)}`;
  ip(['netns', 'add', netns]);
  ip(['-n', netns, 'link', 'set', 'lo', 'up']);

  const args = [
    `--host=${host}`,
    `--data-root=${root}/data`,
    `--exec-root=${root}/x`,
    `--pidfile=${root}/docker.pid`,
    '--iptables=false',
    '--ip-masq=false',
    `--default-address-pool=${pool}`,
    '--storage-driver=overlay2',
  ];

  const exited = (p: ChildProcess): Promise<void> =>
    p.exitCode !== null || p.signalCode !== null
      ? Promise.resolve()
      : new Promise((r) => p.once('exit', () => r()));

  async function start(): Promise<void> {
    const log = openSync(join(root, 'dockerd.log'), 'a');
    // nsenter enters only the network namespace and execs dockerd (same pid, so signals reach
    // dockerd); `ip netns exec` would also remount /sys and hide the cgroups dockerd needs.
    proc = spawn('nsenter', [`--net=/var/run/netns/${netns}`, 'dockerd', ...args], {
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    proc.unref();
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (
        await docker.ping().then(
          () => true,
          () => false,
        )
      )
        return;
      if (proc.exitCode !== null || Date.now() > deadline) {
        const tail = (await readFile(join(root, 'dockerd.log'), 'utf8').catch(() => ''))
          .split('\n')
          .slice(-15);
        throw new Error(`private dockerd did not start (${root}):\n${tail.join('\n')}`);
      }
      await sleep(100);
    }
  }

  async function signal(sig: NodeJS.Signals): Promise<void> {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill(sig);
    const done = await Promise.race([exited(p).then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
    if (!done) {
      p.kill('SIGKILL');
      await exited(p);
    }
  }

  async function destroy(): Promise<void> {
    // Its networks are bridges on the host: only the daemon removes them cleanly, so a daemon
    // a test left down is started once more to clean up.
    if (!(proc && proc.exitCode === null && proc.signalCode === null)) await start().catch(() => undefined);
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const all = await docker.listContainers({ all: true }).catch(() => []);
      await Promise.all(
        all.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true, v: true })
            .catch(() => {}),
        ),
      );
      const nets = await docker.listNetworks().catch(() => []);
      const own = nets.filter((n) => !['bridge', 'host', 'none'].includes(n.Name));
      await Promise.all(
        own.map((n) =>
          docker
            .getNetwork(n.Id)
            .remove()
            .catch(() => {}),
        ),
      );
    }
    await signal('SIGTERM');
    await killLeftovers(root);
    await unmountUnder(root);
    await rm(root, { recursive: true, force: true });
    spawnSync('ip', ['netns', 'del', netns], { encoding: 'utf8' });
  }

  await start();
  return {
    root,
    host,
    env: { DOCKER_HOST: host },
    docker,
    start,
    stop: () => signal('SIGTERM'),
    kill: async () => {
      // Its supervised containerd too, as a crash of the docker service's whole cgroup would:
      // one left behind holds the exec root and the next dockerd times out waiting for it.
      const containerd = Number(
        await readFile(`${root}/x/containerd/containerd.pid`, 'utf8').catch(() => '0'),
      );
      await signal('SIGKILL');
      if (containerd > 0) {
        try {
          process.kill(containerd, 'SIGKILL');
        } catch {
          // already gone with its parent
        }
        await waitGone(containerd);
      }
      // A dead containerd may linger as a zombie (this process is not its reaper): its pid still
      // "exists", so the next dockerd would wait for it instead of starting a new one.
      await rm(`${root}/x/containerd/containerd.pid`, { force: true });
    },
    restart: async () => {
      await signal('SIGTERM');
      await start();
    },
    loadImages: (refs) => {
      const quoted = refs.map((r) => `'${r.replace(/'/g, '')}'`).join(' ');
      const res = spawnSync(
        'bash',
        ['-o', 'pipefail', '-c', `docker save ${quoted} | docker -H '${host}' load -q`],
        {
          encoding: 'utf8',
        },
      );
      if (res.status !== 0)
        return Promise.reject(new Error(`loading ${refs.join(', ')} failed: ${res.stderr}`));
      return Promise.resolve();
    },
    destroy,
  };
}

function ip(args: string[]): void {
  const res = spawnSync('ip', args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${res.stderr}`);
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Gone, or a zombie waiting for its (dead) parent's reaper.
    if (!stat || / Z /.test(stat)) return;
    await sleep(50);
  }
}

/** Processes of THIS daemon that outlived it (containerd shims after a kill -9), by their pid. */
async function killLeftovers(root: string): Promise<void> {
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(`${root}/`)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** dockerd bind-mounts its data root and overlay layers: unmount them, deepest first. */
async function unmountUnder(root: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
}
