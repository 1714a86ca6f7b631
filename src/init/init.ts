import { existsSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { DeployctlError, formatIssue } from '../errors.js';
import { specByteLimit } from '../spec/input-limits.js';
import { loadSpec } from '../spec/load.js';
import { convertCompose } from './convert.js';
import { isObj, type ConversionResult, type InitNote } from './model.js';
import { readCompose } from './read-compose.js';
import { renderSpec } from './render.js';

export interface InitOptions {
  /** The Compose file (`--from`), relative to cwd. */
  from: string;
  /** Where the spec is written (`-o`), relative to cwd. */
  output: string;
  project?: string;
  force: boolean;
  cwd: string;
  env: Record<string, string | undefined>;
  home: string;
  /** Names of the engine's volumes, or why there are none to compare with (no engine reachable). */
  volumes: { names: ReadonlySet<string> } | { unavailable: string };
}

export interface InitReport {
  v: 1;
  from: string;
  output: string;
  /** The output already held exactly this conversion and was left as it is. */
  unchanged?: true;
  project: string;
  engine_checked: boolean;
  engine_note?: string;
  services: ConversionResult['services'];
  volumes: ConversionResult['volumes'];
  dirs: ConversionResult['dirs'];
  networks: ConversionResult['networks'];
  notes: (Omit<InitNote, 'path'> & { path: string })[];
  counts: { infra: number; apps: number; translated: number; dropped: number; attention: number };
  validation: { ok: boolean; problems: string[] };
}

/** Reads the Compose file (so the caller can fail before asking the engine anything). */
export async function readComposeOrFail(
  opts: Pick<InitOptions, 'from' | 'output' | 'force' | 'cwd' | 'env'>,
) {
  const from = resolve(opts.cwd, opts.from);
  const output = resolve(opts.cwd, opts.output);
  const limit = specByteLimit(opts.env);
  const read = await readCompose(from, dirname(from), limit.ok ? limit.limit : 1024 * 1024);
  if (!read.ok) {
    throw new DeployctlError(
      'SPEC_NOT_FOUND',
      `${opts.from} ${read.message}; nothing was written. Name a Compose file with --from docker-compose.yml.`,
    );
  }
  return { from, output, read };
}

/**
 * `deployctl init --from docker-compose.yml`: converts the Compose file (and its `.env`) into a
 * spec written with a comment beside every key translated, dropped or needing attention, then
 * loads the result with the real spec loader and reports whether it validates.
 */
export async function runInit(
  opts: InitOptions,
  read: Awaited<ReturnType<typeof readComposeOrFail>>,
): Promise<InitReport> {
  const { from, output } = read;
  const { compose, dotenv, hasDotenv } = read.read;
  const lookup = (name: string): string | undefined => opts.env[name] ?? dotenv[name];
  const result = convertCompose({
    compose,
    lookup,
    ...(opts.project !== undefined ? { project: opts.project } : {}),
    composeDir: dirname(from),
    outDir: dirname(output),
    ...('names' in opts.volumes ? { existingVolumes: opts.volumes.names } : {}),
    isFile: (p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    },
    home: opts.home,
  });
  if (hasDotenv && dirname(from) !== dirname(output))
    result.notes.push({
      kind: 'attention',
      path: [],
      message: `${relative(opts.cwd, resolve(dirname(from), '.env'))} holds the variables this spec uses: copy it beside ${basename(output)}, where deployctl reads .env`,
    });
  const header = [
    ` Converted from ${basename(from)} by deployctl init. Review every "init: CHECK" comment before the first apply.`,
    ' Infra services get fixed container names and reuse the volumes below: stop the Compose stack first',
    ' (docker compose down, which keeps volumes), then run deployctl plan.',
  ];
  const unchanged = await writeSpecFile(output, renderSpec(result.spec, result.notes, header), opts);

  const profiles = [
    ...new Set(
      Object.values(isObj(compose.services) ? compose.services : {}).flatMap((s) =>
        isObj(s) && Array.isArray(s.profiles) ? s.profiles.map(String) : [],
      ),
    ),
  ];
  const loaded = await loadSpec(output, { env: { ...dotenv, ...opts.env }, cwd: opts.cwd, profiles });
  const count = (kind: InitNote['kind']): number => result.notes.filter((n) => n.kind === kind).length;
  return {
    v: 1,
    from: relative(opts.cwd, from) || from,
    output: relative(opts.cwd, output) || output,
    ...(unchanged ? { unchanged: true } : {}),
    project: result.project,
    engine_checked: 'names' in opts.volumes,
    ...('unavailable' in opts.volumes ? { engine_note: opts.volumes.unavailable } : {}),
    services: result.services,
    volumes: result.volumes,
    dirs: result.dirs,
    networks: result.networks,
    notes: result.notes.map((n) => ({ ...n, path: n.path.map(String).join('.') })),
    counts: {
      infra: result.services.filter((s) => s.role === 'infra').length,
      apps: result.services.filter((s) => s.role === 'app').length,
      translated: count('translated'),
      dropped: count('dropped'),
      attention: count('attention'),
    },
    validation: { ok: loaded.ok, problems: loaded.ok ? [] : loaded.issues.map(formatIssue) },
  };
}

/**
 * Writes the spec whole or not at all (a temporary file renamed into place), so a run killed
 * half-way leaves no half a spec. A file that already holds exactly this text is left as it is
 * (true): the same command run again after it was killed converges. Any other existing file is
 * refused without --force.
 */
async function writeSpecFile(
  output: string,
  text: string,
  opts: Pick<InitOptions, 'output' | 'force'>,
): Promise<boolean> {
  if (existsSync(output)) {
    const current = await readFile(output, 'utf8').catch(() => undefined);
    if (current === text) return true;
    if (!opts.force) {
      throw new DeployctlError(
        'FILE_EXISTS',
        `${opts.output} already exists and was left untouched. Write elsewhere with -o FILE, or add --force to overwrite it.`,
      );
    }
  }
  const temporary = `${output}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, output);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  return false;
}
