import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/spec/duration.js';
import { readSchema } from '../../../src/spec/schema.js';

describe('parseDuration', () => {
  it.each([
    ['1m30s', 90_000],
    ['30s', 30_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['2h45m', 9_900_000],
    ['1.5s', 1_500],
    ['1m500ms', 60_500],
    ['0s', 0],
    ['30', 30_000],
    ['0.25', 250],
    [45, 45_000],
    [0.5, 500],
  ] as const)('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '5x', 's', '1m30', '-5s', '1 m', ' 30s', '1.s', 'ms5', '10S'])(
    'refuses %j (undefined, so the caller can name the flag or key)',
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );

  it('refuses negative and non-finite numbers', () => {
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
  });

  it('agrees with the schema pattern on what is a duration', () => {
    const defs = readSchema().$defs as Record<string, { oneOf: { pattern?: string }[] }>;
    const pattern = new RegExp(defs.duration?.oneOf[0]?.pattern ?? 'missing', 'u');
    for (const text of [
      '1m30s',
      '30s',
      '500ms',
      '1h',
      '2h45m',
      '1.5s',
      '30',
      '0.25',
      '',
      '5x',
      '1m30',
      '-5s',
      '1 m',
      '1.s',
      '10S',
    ]) {
      expect(pattern.test(text), text).toBe(parseDuration(text) !== undefined);
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [90_000, '1m30s'],
    [0, '0s'],
    [500, '500ms'],
    [3_661_001, '1h1m1s1ms'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
