import { join } from 'node:path';
import { parseDotenv } from '../spec/dotenv.js';
import { readInputText } from '../spec/input-file.js';
import { MAX_ALIAS_EXPANSION } from '../spec/input-limits.js';
import { parseYaml } from '../spec/yaml-source.js';
import { isObj, type Obj } from './model.js';

export type ComposeRead =
  | { ok: true; compose: Obj; dotenv: Record<string, string>; hasDotenv: boolean }
  | { ok: false; message: string };

/**
 * The Compose file as data (anchors, aliases and `<<` merge keys resolved, as Compose reads
 * them) and the `.env` beside it, which Compose uses for interpolation defaults.
 */
export async function readCompose(path: string, dir: string, limit: number): Promise<ComposeRead> {
  const read = await readInputText(path, limit);
  if (!read.ok) {
    const p = read.problem;
    const why =
      p.kind === 'unreadable'
        ? p.code === 'ENOENT'
          ? 'does not exist'
          : `cannot be read (${p.code})`
        : 'is not a Compose file that deployctl can read (too large, or not UTF-8 text)';
    return { ok: false, message: why };
  }
  const { source, problems } = parseYaml(read.text);
  const fatal = problems.find((p) => p.fatal);
  if (fatal) return { ok: false, message: `line ${fatal.line}:${fatal.col}: ${fatal.message}` };
  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    return {
      ok: false,
      message: `cannot be read as data: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (!isObj(data) || !isObj(data.services))
    return { ok: false, message: 'has no services: mapping; is it a Compose file?' };
  const env = await readInputText(join(dir, '.env'), limit);
  const dotenv = env.ok ? parseDotenv(env.text).values : {};
  return { ok: true, compose: data, dotenv, hasDotenv: env.ok };
}
