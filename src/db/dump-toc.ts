import { DeployctlError, InterruptedError } from '../errors.js';
import type { Engine } from '../engine/port.js';
import { openContent } from './dump-source.js';
import { LineSink } from './line-sink.js';
import { pgRestoreListCommand } from './pg-commands.js';
import { lastLines } from './psql.js';
import type { TableRef } from './row-counts.js';
import type { DbTarget } from './target.js';

/** What `pg_restore --list` says a custom dump holds. */
export interface DumpToc {
  entries: number;
  /** The tables the dump creates, in TOC order. */
  tables: TableRef[];
}

/**
 * Reads the dump's table of contents with the container's own pg_restore, which is the
 * judge of what it can restore (a dump from a newer pg_dump, a damaged header or TOC).
 * The file streams in; pg_restore stops reading after the TOC.
 */
export async function listDump(
  engine: Engine,
  target: DbTarget,
  dump: { path: string; gzip: boolean },
  signal?: AbortSignal,
): Promise<DumpToc> {
  const toc: DumpToc = { entries: 0, tables: [] };
  const sink = new LineSink((line) => {
    const entry = parseTocLine(line);
    if (!entry) return;
    toc.entries++;
    if (entry.table) toc.tables.push(entry.table);
  });
  const res = await engine
    .exec(target.container, pgRestoreListCommand(), { stdin: openContent(dump), stdout: sink, signal })
    .catch((err: unknown) => {
      if (signal?.aborted)
        throw new InterruptedError(`restore-db interrupted while listing ${dump.path}; nothing was changed.`);
      throw err;
    });
  if (res.exitCode !== 0) {
    throw new DeployctlError(
      'DUMP_INVALID',
      `${dump.path} was rejected by pg_restore --list in ${target.container} (${lastLines(res.stderr) || `exit code ${res.exitCode}`}): its header or table of contents is damaged, or it was made by a newer pg_dump than this server's. ` +
        'Nothing was changed: the database and the apps are as they were.',
      { data: { dump: dump.path, exitCode: res.exitCode } },
    );
  }
  return toc;
}

/**
 * One TOC line, `214; 1259 16385 TABLE public items owner`; comment lines (`;`) are not
 * entries. Only TABLE entries name a table (TABLE DATA is its rows).
 */
export function parseTocLine(line: string): { table?: TableRef } | undefined {
  const match = /^\d+; \d+ \d+ (.*)$/.exec(line.trimEnd());
  if (!match) return undefined;
  const rest = match[1] ?? '';
  if (!rest.startsWith('TABLE ') || rest.startsWith('TABLE DATA ')) return {};
  const words = rest.slice('TABLE '.length).split(' ');
  // schema, name (which may hold spaces), owner; a dump made with --no-owner has no owner.
  const schema = words[0];
  const name = words.length >= 3 ? words.slice(1, -1).join(' ') : words[1];
  return schema && name ? { table: { schema, name } } : {};
}
