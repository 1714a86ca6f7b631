/**
 * The hostile-input corpus (bench/support/hostile-specs.ts), a reduced deterministic set: every
 * broken spec is refused, never thrown, with located one-paragraph messages. The full
 * 1,000-case corpus runs in bench/hostile-input.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAMILIES, hostileCorpus, type HostileCase } from '../../../bench/support/hostile-specs.js';
import { formatIssue } from '../../../src/errors.js';
import { loadSpec } from '../../../src/spec/load.js';

const COUNT = Number(process.env.HOSTILE_CORPUS_COUNT ?? FAMILIES.length * 6);
const root = mkdtempSync(join(tmpdir(), 'deployctl-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes the case as `<dir>/deployctl.yaml` (or puts the special file there); returns the dir. */
export function placeCase(c: HostileCase, base: string): string {
  const dir = join(base, c.name.replace(/[^a-z0-9-]/gi, '_'));
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, 'deployctl.yaml');
  if (c.special === 'directory') mkdirSync(spec);
  else if (c.special) symlinkSync(c.special, spec);
  else writeFileSync(spec, c.bytes());
  return dir;
}

describe(`hostile corpus: ${COUNT} broken specs`, () => {
  const corpus = hostileCorpus(COUNT);

  it('covers every family', () => {
    expect(new Set(corpus.map((c) => c.family))).toEqual(new Set(FAMILIES));
  });

  it.each(corpus.map((c) => [c.name, c] as const))(
    '%s is refused with located messages',
    async (_name, c) => {
      const dir = placeCase(c, root);
      const result = await loadSpec('deployctl.yaml', { env: {}, cwd: dir });
      expect(result.ok, `${c.name} loaded`).toBe(false);
      if (result.ok) return;
      expect(result.issues.length).toBeGreaterThan(0);
      for (const issue of result.issues) {
        const line = formatIssue(issue);
        // Located: the file, and a line:col whenever the problem is inside the text.
        expect(line.startsWith('deployctl.yaml')).toBe(true);
        expect(line).not.toMatch(/\n/);
        expect(line.length).toBeLessThan(1200);
        expect(line).not.toMatch(/\bat .+:\d+:\d+\)?$/m);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  );
});
