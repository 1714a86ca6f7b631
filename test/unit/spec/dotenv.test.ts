import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../../src/spec/dotenv.js';
import { HEAD, loadErrors, loadOk, loadText } from './helpers.js';

describe('parseDotenv', () => {
  it('reads KEY=VALUE lines with export, comments, blank lines and quotes', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value',
      'export EXPORTED=yes',
      'SPACED = around equals  ',
      'INLINE=value # a comment',
      'HASH=a#b',
      "SINGLE='literal $X \\n # not a comment'",
      'DOUBLE="line1\\nline2 \\"quoted\\" \\\\ done" # comment',
      'EMPTY=',
      'EQUALS=a=b=c',
      'MULTI="first',
      'second"',
      '   INDENTED=ok',
    ].join('\n');
    expect(parseDotenv(text)).toEqual({
      values: {
        PLAIN: 'value',
        EXPORTED: 'yes',
        SPACED: 'around equals',
        INLINE: 'value',
        HASH: 'a#b',
        SINGLE: 'literal $X \\n # not a comment',
        DOUBLE: 'line1\nline2 "quoted" \\ done',
        EMPTY: '',
        EQUALS: 'a=b=c',
        MULTI: 'first\nsecond',
        INDENTED: 'ok',
      },
      problems: [],
    });
  });

  it('accepts Windows line endings', () => {
    expect(parseDotenv('A=1\r\nB=2\r\n').values).toEqual({ A: '1', B: '2' });
  });

  it('reports malformed lines by line number without echoing their text', () => {
    const { values, problems } = parseDotenv(
      'GOOD=1\nthis is not an assignment hunter2\n1BAD=x\nQ="never closed\nLATER=2',
    );
    expect(values).toEqual({ GOOD: '1' });
    expect(problems).toEqual([
      {
        line: 2,
        message:
          'is not a KEY=VALUE line (a name of letters, digits and _, then =); fix it or comment it out with #',
      },
      {
        line: 3,
        message:
          'is not a KEY=VALUE line (a name of letters, digits and _, then =); fix it or comment it out with #',
      },
      { line: 4, message: 'has a double quote that is never closed; add the closing "' },
    ]);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });

  it('reports text after a closing quote', () => {
    expect(parseDotenv("A='x' y").problems).toEqual([
      {
        line: 1,
        message:
          'has text after the closing quote; put a comment after a # or move the text inside the quotes',
      },
    ]);
  });
});

describe('.env beside the spec', () => {
  const spec = `${HEAD}apps:\n  services:\n    api:\n      image: shop/api:\${TAG}\n`;

  it('supplies variables for interpolation', async () => {
    const s = await loadOk(spec, { dotenv: 'TAG=from-dotenv\n' });
    expect(s.apps.services[0]?.image).toBe('shop/api:from-dotenv');
  });

  it('is overridden by the environment passed in', async () => {
    const s = await loadOk(spec, { dotenv: 'TAG=from-dotenv\n', env: { TAG: 'from-env' } });
    expect(s.apps.services[0]?.image).toBe('shop/api:from-env');
  });

  it('is not overridden by an environment entry that is undefined', async () => {
    const s = await loadOk(spec, { dotenv: 'TAG=from-dotenv\n', env: { TAG: undefined } });
    expect(s.apps.services[0]?.image).toBe('shop/api:from-dotenv');
  });

  it('is optional', async () => {
    expect((await loadOk(spec, { env: { TAG: 'x' } })).apps.services[0]?.image).toBe('shop/api:x');
  });

  it('reports a malformed line with its line number in .env', async () => {
    const errors = await loadErrors(spec, { dotenv: 'TAG=v1\n\noops\n' });
    expect(errors).toEqual([
      '.env:3:1: line 3 is not a KEY=VALUE line (a name of letters, digits and _, then =); fix it or comment it out with #',
    ]);
  });

  it('reports .env problems together with the spec problems, .env first', async () => {
    const errors = await loadErrors(`${spec}      portz: 1\n`, { dotenv: 'oops\nTAG=v1\n' });
    expect(errors.map((e) => e.split(': ')[0])).toEqual(['.env:1:1', 'deployctl.yaml:7:7']);
  });

  it('supplies environment entries given by name only', async () => {
    const result = await loadText(
      `${HEAD}apps:\n  services:\n    api:\n      image: x\n      environment: [API_URL]\n`,
      { dotenv: 'API_URL=http://x\n' },
    );
    expect(result.ok && result.spec.apps.services[0]?.environment).toEqual({ API_URL: 'http://x' });
  });

  it('makes an environment entry given by name only an error when nothing sets it', async () => {
    const errors = await loadErrors(
      `${HEAD}apps:\n  services:\n    api:\n      image: x\n      environment:\n        API_URL:\n`,
    );
    expect(errors).toEqual([
      'deployctl.yaml:8:9: apps.services.api.environment.API_URL takes API_URL from the environment, but API_URL is not set; export it, add it to .env beside the spec, or write API_URL=value',
    ]);
  });
});
