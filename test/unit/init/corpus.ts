import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readComposeOrFail, runInit, type InitReport } from '../../../src/init/init.js';

export const CORPUS = new URL('../../fixtures/compose-corpus/', import.meta.url).pathname;

/** The corpus's stacks: one directory each, holding docker-compose.yml and its files. */
export const STACKS = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/** A copy of a corpus stack in a fresh directory, as a user's checkout would be. */
export function copyStack(stack: string): string {
  const dir = mkdtempSync(join(tmpdir(), `deployctl-init-${stack}-`));
  cpSync(join(CORPUS, stack), dir, { recursive: true });
  return dir;
}

/** Runs init in `dir` (docker-compose.yml → deployctl.yaml) with only the given variables set. */
export async function convertIn(
  dir: string,
  opts: {
    env?: Record<string, string>;
    volumes?: ReadonlySet<string>;
    output?: string;
    force?: boolean;
    project?: string;
  } = {},
): Promise<{ report: InitReport; text: string }> {
  const base = {
    from: 'docker-compose.yml',
    output: opts.output ?? 'deployctl.yaml',
    force: opts.force ?? false,
    cwd: dir,
    env: opts.env ?? {},
  };
  const read = await readComposeOrFail(base);
  const report = await runInit(
    {
      ...base,
      ...(opts.project !== undefined ? { project: opts.project } : {}),
      home: '/home/someone',
      volumes: opts.volumes ? { names: opts.volumes } : { unavailable: 'no engine in unit tests' },
    },
    read,
  );
  return { report, text: await readFile(join(dir, base.output), 'utf8') };
}
