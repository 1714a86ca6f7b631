import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { formatIssue } from '../../../src/errors.js';
import { loadSpec, type LoadOptions, type LoadResult } from '../../../src/spec/load.js';
import type { Spec } from '../../../src/spec/model.js';

/** Load options plus the .env text to write, and a directory to reuse (paths are part of hashes). */
export type TextOptions = Partial<LoadOptions> & { dotenv?: string; dir?: string };

/** Writes `yaml` (and optionally `.env`) to a fresh temp dir as deployctl.yaml and loads it. */
export async function loadText(yaml: string, opts: TextOptions = {}): Promise<LoadResult & { dir: string }> {
  const dir = opts.dir ?? tempDir();
  writeFileSync(join(dir, 'deployctl.yaml'), yaml);
  if (opts.dotenv !== undefined) writeFileSync(join(dir, '.env'), opts.dotenv);
  const { dotenv: _dotenv, dir: _dir, ...loadOptions } = opts;
  const result = await loadSpec('deployctl.yaml', { env: {}, cwd: dir, ...loadOptions });
  return { ...result, dir };
}

/** The spec, failing the test with the formatted issues when loading did not succeed. */
export async function loadOk(yaml: string, opts: TextOptions = {}): Promise<Spec> {
  const result = await loadText(yaml, opts);
  if (!result.ok)
    throw new Error(`expected a valid spec, got:\n${result.issues.map(formatIssue).join('\n')}`);
  return result.spec;
}

/** The formatted error lines, failing the test when the spec loaded. */
export async function loadErrors(yaml: string, opts: TextOptions = {}): Promise<string[]> {
  const result = await loadText(yaml, opts);
  if (result.ok) throw new Error('expected problems, but the spec loaded');
  return result.issues.map(formatIssue);
}

/** A minimal valid spec header; append services etc. */
export const HEAD = `version: 1
project: shop
`;

const created: string[] = [];

// Registered in every test file that imports these helpers: its temp dirs go when it ends.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deployctl-spec-'));
  created.push(dir);
  return dir;
}
