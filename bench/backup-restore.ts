/**
 * Benchmark (not a test): `deployctl backup` and `deployctl restore-db` against the raw
 * `docker exec` commands they wrap, on a 2-million-row table (~85 MB custom dump), with
 * deployctl's peak RSS. Targets from issue 4: within 1.15x of the raw commands, < 120 MB RSS.
 *
 *   npm run build && node dist/bench/backup-restore.js [--reps 5]
 *
 * Creates a throwaway project (an external volume labelled for it, a spec with only the
 * database service, so restore-db has no apps to stop and the comparison is the restore path
 * itself), and removes everything it made at the end, also when interrupted. Each timed command
 * starts from a quiet server and disk: autovacuum off, then CHECKPOINT, sync and a 1.5 s pause.
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`), else from polling /proc/<pid>/status
 * VmHWM (the kernel's own high-water mark) until the process exits.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../deployctl.js');
const GNU_TIME = '/usr/bin/time';
const ROWS = 2_000_000;
const TARGET_RATIO = 1.15;
const TARGET_RSS_MB = 120;
const reps = Number(process.argv[process.argv.indexOf('--reps') + 1] ?? 5) || 5;

interface Timed {
  seconds: number;
  /** Peak RSS in MB, when measured. */
  rssMb?: number;
  /** User + system CPU seconds of the command itself (GNU time only): less noisy than wall time on a busy host. */
  cpuSeconds?: number;
}

function run(cmd: string, args: string[], opts: { cwd?: string; measureRss?: boolean } = {}): Promise<Timed> {
  const useTime = existsSync(GNU_TIME);
  const rssFile = join(tmpdir(), `bench-rss-${randomBytes(4).toString('hex')}`);
  const [bin, argv] = useTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const started = process.hrtime.bigint();
  const child = spawn(bin, argv, {
    cwd: opts.cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let hwmKb = 0;
  const poll =
    opts.measureRss && !useTime
      ? setInterval(() => (hwmKb = Math.max(hwmKb, vmHwmKb(child.pid))), 20)
      : undefined;
  return new Promise((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr}`));
      if (!useTime) return resolveRun(opts.measureRss ? { seconds, rssMb: hwmKb / 1024 } : { seconds });
      readFile(rssFile, 'utf8')
        .then(async (text) => {
          await rm(rssFile, { force: true });
          const [maxKb = 0, user = 0, sys = 0] = (text.trim().split('\n').pop() ?? '').split(' ').map(Number);
          resolveRun({ seconds, rssMb: maxKb / 1024, cpuSeconds: user + sys });
        })
        .catch(reject);
    });
  });
}

/** The kernel's high-water mark of the process's RSS, in kB (0 once it is gone). */
function vmHwmKb(pid: number | undefined): number {
  try {
    // Synchronous on purpose: a tiny procfs read between two polls.
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const sh = (script: string): Promise<Timed> => run('sh', ['-c', script]);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const docker = new Docker();
  const project = `bench_${randomBytes(3).toString('hex')}`;
  const volume = `${project}_pg`;
  const db = `${project}_db`;
  const dir = await mkdtemp(join(tmpdir(), 'deployctl-bench-'));
  const spec = join(dir, 'deployctl.yaml');
  const cleanup = async (): Promise<void> => {
    const containers = await docker.listContainers({
      all: true,
      filters: { label: [`deployctl.project=${project}`] },
    });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await docker
      .getVolume(volume)
      .remove()
      .catch(() => undefined);
    for (const n of await docker.listNetworks({ filters: { label: [`deployctl.project=${project}`] } }))
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  try {
    await docker.createVolume({ Name: volume, Labels: { 'deployctl.project': project } });
    await writeFile(
      spec,
      `version: 1
project: ${project}
infra:
  volumes:
    ${volume}: { external: true }
  services:
    db:
      container_name: ${db}
      image: deployctl-fixture/postgres:15
      environment: { POSTGRES_DB: bench, POSTGRES_USER: bench, POSTGRES_PASSWORD: bench-password }
      volumes: ["${volume}:/var/lib/postgresql/data"]
      healthcheck: { test: ["CMD", "pg_isready", "-U", "bench", "-d", "bench"], interval: 1s, retries: 60 }
      database: { engine: postgres, name: bench, user: bench }
backups:
  dir: ./backups
  keep: 3
`,
    );
    const deployctl = (args: string[]): Promise<Timed> =>
      run(process.execPath, [CLI, ...args, '-f', spec], { cwd: dir, measureRss: true });
    await deployctl(['apply', '-y']);
    // No autovacuum on this throwaway database: a restore leaves a 2-million-row table that
    // autovacuum vacuums and analyzes within the next minute, at a moment nobody chose: in the
    // middle of whichever timed command runs then (and a DROP that meets it waits up to a
    // second). Both tools restore into the same server, so both are measured without it.
    await sh(
      `docker exec ${db} psql -q -v ON_ERROR_STOP=1 -U bench -d bench -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()"`,
    );
    log(`loading ${ROWS.toLocaleString('en-US')} rows…`);
    await sh(
      `docker exec ${db} psql -q -v ON_ERROR_STOP=1 -U bench -d bench -c "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, tag text NOT NULL, created timestamptz NOT NULL); ` +
        `INSERT INTO items SELECT g, md5(g::text), md5((g * 31)::text), timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, ${ROWS}) g" -c "VACUUM ANALYZE items"`,
    );

    const raw = join(dir, 'raw.dump');
    const times = {
      dcBackup: [] as Timed[],
      rawBackup: [] as Timed[],
      dcRestore: [] as Timed[],
      rawRestore: [] as Timed[],
    };
    let dumpBytes = 0;
    // Fair runs: each timed command starts after a CHECKPOINT, a `sync` and a short settle, and
    // the order of raw and deployctl alternates between repetitions. A restore leaves Postgres
    // flushing for a while, and the raw backup's `> file` leaves ~90 MB unwritten in the page
    // cache; either would slow whatever runs next. The sync matters for deployctl in particular:
    // its project lock is a container create, and the engine's overlay unmount during a create
    // flushes the whole filesystem, so without it deployctl's run would pay (~0.4 s here) for
    // writing out the raw command's file.
    const settle = async (): Promise<void> => {
      await sh(`docker exec ${db} psql -q -U bench -d bench -c CHECKPOINT && sync`);
      await new Promise((r) => setTimeout(r, 1500));
    };
    const timed = async (f: () => Promise<Timed>): Promise<Timed> => {
      await settle();
      return f();
    };
    const pair = async (
      rawFirst: boolean,
      rawRun: () => Promise<Timed>,
      dcRun: () => Promise<Timed>,
    ): Promise<{ raw: Timed; dc: Timed }> => {
      if (rawFirst) {
        const r = await timed(rawRun);
        return { raw: r, dc: await timed(dcRun) };
      }
      const d = await timed(dcRun);
      return { raw: await timed(rawRun), dc: d };
    };
    for (let i = 1; i <= reps; i++) {
      const rawFirst = i % 2 === 1;
      const backup = await pair(
        rawFirst,
        () => sh(`docker exec ${db} pg_dump -Fc -U bench bench > ${raw}`),
        () => deployctl(['backup']),
      );
      const made = await newestDump(join(dir, 'backups'));
      dumpBytes = (await stat(made)).size;
      const restore = await pair(
        rawFirst,
        () => sh(`docker exec -i ${db} pg_restore --clean --if-exists -1 -U bench -d bench < ${made}`),
        () => deployctl(['restore-db', made, '--no-safety-backup', '-y']),
      );
      times.rawBackup.push(backup.raw);
      times.dcBackup.push(backup.dc);
      times.rawRestore.push(restore.raw);
      times.dcRestore.push(restore.dc);
      log(
        `rep ${i}/${reps}: backup ${backup.dc.seconds.toFixed(2)}s (raw ${backup.raw.seconds.toFixed(2)}s), restore ${restore.dc.seconds.toFixed(2)}s (raw ${restore.raw.seconds.toFixed(2)}s)`,
      );
    }

    const row = (what: string, dc: Timed[], rawT: Timed[]): string => {
      const wall = (xs: Timed[]): number => median(xs.map((x) => x.seconds));
      const ratio = wall(dc) / wall(rawT);
      // Each deployctl run against the raw run beside it: robust to a host whose load drifts.
      const paired = median(dc.map((d, i) => d.seconds / (rawT[i]?.seconds ?? Number.NaN)));
      const cpu = (xs: Timed[]): string =>
        xs[0]?.cpuSeconds === undefined ? 'n/a' : `${median(xs.map((x) => x.cpuSeconds ?? 0)).toFixed(2)}s`;
      return (
        `${what.padEnd(8)} deployctl ${wall(dc).toFixed(2)}s  raw ${wall(rawT).toFixed(2)}s  ratio ${ratio.toFixed(3)}x ` +
        `(paired ${paired.toFixed(3)}x)  target <= ${TARGET_RATIO}x  ${ratio <= TARGET_RATIO ? 'OK' : 'OVER'}   ` +
        `[client CPU: deployctl ${cpu(dc)}, docker CLI ${cpu(rawT)}]`
      );
    };
    const peak = Math.max(...[...times.dcBackup, ...times.dcRestore].map((t) => t.rssMb ?? 0));
    const load = (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ').slice(0, 3).join(' ');
    console.log(
      [
        '',
        `deployctl backup / restore-db benchmark: ${ROWS.toLocaleString('en-US')} rows, custom dump ${(dumpBytes / 1e6).toFixed(1)} MB, median of ${reps}, host load ${load}`,
        row('backup', times.dcBackup, times.rawBackup),
        row('restore', times.dcRestore, times.rawRestore),
        `peak RSS deployctl ${peak.toFixed(1)} MB (max over all runs, ${existsSync(GNU_TIME) ? 'GNU time %M' : '/proc VmHWM'})  target < ${TARGET_RSS_MB} MB  ${peak < TARGET_RSS_MB ? 'OK' : 'OVER'}`,
        `raw backup:  docker exec DB pg_dump -Fc > file`,
        `raw restore: docker exec -i DB pg_restore --clean --if-exists -1 < file`,
      ].join('\n'),
    );
  } finally {
    await cleanup();
  }
}

async function newestDump(backups: string): Promise<string> {
  const names = (await readdir(backups)).filter((n) => n.endsWith('.dump')).sort();
  return join(backups, names.at(-1)!);
}

function log(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

await main();
