/**
 * Every Compose file of the corpus converts with `deployctl init`, the result loads with the
 * real spec loader (the one `validate` and `apply` use), and converting again gives the same
 * bytes.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../src/spec/load.js';
import { STACKS, convertIn, copyStack } from './corpus.js';

describe('compose corpus → deployctl init', () => {
  it('holds at least a dozen stacks', () => {
    expect(STACKS.length).toBeGreaterThanOrEqual(12);
  });

  it.each(STACKS)('%s converts, validates and is deterministic', async (stack) => {
    const dir = copyStack(stack);
    try {
      const first = await convertIn(dir);
      expect(first.report.validation).toEqual({ ok: true, problems: [] });
      const profiles = first.report.services.length > 0 ? ['debug', 'dev', 'search'] : [];
      const loaded = await loadSpec(join(dir, 'deployctl.yaml'), { env: {}, cwd: dir, profiles });
      expect(loaded.ok ? [] : loaded.issues, 'the real loader accepts it').toEqual([]);
      if (!loaded.ok) return;
      const names = [...loaded.spec.infra.services, ...loaded.spec.apps.services].map((s) => s.name).sort();
      expect(names).toEqual(first.report.services.map((s) => s.name).sort());

      const again = await convertIn(dir, { force: true });
      expect(again.text).toBe(first.text);
      expect(again.report).toEqual({ ...first.report, unchanged: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
