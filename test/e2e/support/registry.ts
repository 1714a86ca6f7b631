/**
 * A throwaway local image registry for pull tests: Debian's `docker-registry` (distribution
 * 2.x) on 127.0.0.1 with a free port, its own config and storage in a temp dir. Loopback
 * registries are insecure-allowed by the engine by default, so no TLS or daemon config is needed.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const BINARY = '/usr/bin/docker-registry';

export interface LocalRegistry {
  /** `127.0.0.1:<port>`, the registry part of references pushed to it. */
  host: string;
  /**
   * Pushes a local image as `<host>/<repository>` and removes that tag locally again, so a
   * test starts with the reference absent from the engine. Returns the full reference.
   */
  push(localRef: string, repository: string): string;
  /** Stops the registry, deletes its storage and untags what was pulled from it. */
  stop(): Promise<void>;
}

function sh(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.status !== 0)
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (${res.status}): ${res.stderr || res.stdout}`);
  return res.stdout;
}

function ensureBinary(): void {
  if (existsSync(BINARY)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): number | null =>
    spawnSync('apt-get', ['install', '-y', '-qq', 'docker-registry'], { stdio: 'inherit', env }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    if (install() !== 0 || !existsSync(BINARY))
      throw new Error(`could not install docker-registry (${BINARY}) with apt-get`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(
    `docker-registry did not answer ${url} within 15 s. Its log:\n${readFileSync(logFile, 'utf8')}`,
  );
}

export async function startRegistry(): Promise<LocalRegistry> {
  ensureBinary();
  const dir = mkdtempSync(join(tmpdir(), 'deployctl-e2e-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'registry.log');
  const log = openSync(logFile, 'a');
  const child = spawn(BINARY, ['serve', config], { stdio: ['ignore', log, log] });
  await waitUntilServing(`http://${host}/v2/`, child, logFile);

  const pushed: string[] = [];
  return {
    host,
    push(localRef, repository) {
      const ref = `${host}/${repository}`;
      sh('docker', ['tag', localRef, ref]);
      sh('docker', ['push', '--quiet', ref]);
      sh('docker', ['image', 'rm', ref]);
      pushed.push(ref);
      return ref;
    },
    async stop() {
      for (const ref of pushed) spawnSync('docker', ['image', 'rm', ref], { encoding: 'utf8' });
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
