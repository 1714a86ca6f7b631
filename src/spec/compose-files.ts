import { posix, resolve } from 'node:path';
import { maskedHash } from './config-hash.js';
import type { ReadTextSync } from './env-file.js';
import type { IssueList } from './issues.js';
import type { SpecPath } from './locate.js';
import type { Mount } from './model.js';

export type RawFileRef = string | { source: string; target?: string };
export type RawFileDecl = Record<string, { file: string }>;

export interface FileDecls {
  /** Top-level `secrets:` in Compose's map form: name → absolute file path. */
  secrets: ReadonlyMap<string, string>;
  /** Top-level `configs:`: name → absolute file path. */
  configs: ReadonlyMap<string, string>;
}

/** Top-level Compose `secrets:` (map form; the list form names secret variables) and `configs:`. */
export function fileDecls(secrets: unknown, configs: RawFileDecl | undefined, dir: string): FileDecls {
  const map = (decl: unknown) =>
    new Map(
      decl && typeof decl === 'object' && !Array.isArray(decl)
        ? Object.entries(decl as RawFileDecl).map(([name, d]) => [name, resolve(dir, d.file)])
        : [],
    );
  return { secrets: map(secrets), configs: map(configs) };
}

/**
 * A service's `secrets:` and `configs:`, as Compose mounts them outside Swarm: the declared
 * file bind-mounted read-only at /run/secrets/<name> (a secret) or /<name> (a config), or at
 * `target` (a relative secret target goes under /run/secrets). The mounts carry only paths;
 * each file's content enters the definition as a salted hash (`mountedFiles`), so editing a
 * file replaces the service while neither labels nor plan output ever hold the content.
 */
export function fileMounts(
  refs: { secrets?: RawFileRef[]; configs?: RawFileRef[] },
  decls: FileDecls,
  ctx: {
    project: string;
    issues: IssueList;
    at: (...rest: (string | number)[]) => SpecPath;
    read: ReadTextSync;
  },
): { mounts: Mount[]; hashes: Record<string, string> } {
  const mounts: Mount[] = [];
  const hashes: Record<string, string> = {};
  for (const kind of ['secrets', 'configs'] as const) {
    (refs[kind] ?? []).forEach((ref, i) => {
      const source = typeof ref === 'string' ? ref : ref.source;
      const target = typeof ref === 'string' ? undefined : ref.target;
      const file = decls[kind].get(source);
      if (file === undefined) {
        ctx.issues.error(
          ctx.at(kind, i),
          `names ${kind === 'secrets' ? 'secret' : 'config'} "${source}", which is not declared; add it under the top-level ${kind}: as ${source}: { file: ./path }`,
        );
        return;
      }
      const text = ctx.read(file);
      if (typeof text !== 'string') {
        ctx.issues.error(
          ctx.at(kind, i),
          `names ${kind === 'secrets' ? 'secret' : 'config'} "${source}", whose file ${file} ${text.code === 'ENOENT' ? 'does not exist; create it' : `cannot be read (${text.code}); fix its permissions`}`,
        );
        return;
      }
      const path =
        kind === 'secrets'
          ? posix.resolve('/run/secrets', target ?? source)
          : posix.resolve('/', target ?? source);
      if (hashes[path] !== undefined) {
        ctx.issues.error(ctx.at(kind, i), `mounts a second file at ${path}; give one of them another target`);
        return;
      }
      mounts.push({ type: 'bind', source: file, target: path, readOnly: true });
      hashes[path] = maskedHash(ctx.project, path, text);
    });
  }
  return { mounts, hashes };
}
