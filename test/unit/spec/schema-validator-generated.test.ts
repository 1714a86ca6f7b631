import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTPUT_PATH, SCHEMA_PATH, generateValidatorSource } from '../../../scripts/compile-schema.mjs';

describe('precompiled schema validator', () => {
  it('GIVEN schemas/deployctl.schema.json WHEN regenerated THEN it equals the committed module (run `npm run schema:compile` after editing the schema)', () => {
    const schema: unknown = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    const committed = readFileSync(OUTPUT_PATH, 'utf8');
    // Not toEqual on 140 KB of text: a mismatch should say what to do, not print both files.
    expect(generateValidatorSource(schema) === committed, 'run `npm run schema:compile`').toBe(true);
  });
});
