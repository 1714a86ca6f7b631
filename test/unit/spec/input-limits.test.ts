/**
 * Input limits: every file deployctl reads as input (the spec, its .env, a saved plan) is
 * refused early when it is too large, not text, or not a file, and a parsed spec when it nests
 * too deep, has too many entries or expands aliases too far: each with a typed code and one
 * located message that says what, where and the limit.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPlanFileText } from '../../../src/cli/plan-file-input.js';
import { DeployctlError, formatIssue } from '../../../src/errors.js';
import { decodeText, readInputText } from '../../../src/spec/input-file.js';
import {
  DEFAULT_MAX_SPEC_BYTES,
  MAX_ENTRIES,
  formatBytes,
  specByteLimit,
} from '../../../src/spec/input-limits.js';
import { loadSpec } from '../../../src/spec/load.js';
import { HEAD, loadText, tempDir } from './helpers.js';

const VALID = `${HEAD}apps:\n  services:\n    web:\n      image: deployctl-fixture/app:v1\n`;

async function refusal(bytes: string | Buffer, env: Record<string, string> = {}, dotenv?: string | Buffer) {
  const dir = tempDir();
  writeFileSync(join(dir, 'deployctl.yaml'), bytes);
  if (dotenv !== undefined) writeFileSync(join(dir, '.env'), dotenv);
  const result = await loadSpec('deployctl.yaml', { env, cwd: dir });
  if (result.ok) throw new Error('expected the spec to be refused');
  return { code: result.code, lines: result.issues.map(formatIssue) };
}

describe('byte limit', () => {
  it('refuses a spec over 1 MiB by its size, before reading it', async () => {
    const big = `${VALID}${'# pad\n'.repeat(Math.ceil(DEFAULT_MAX_SPEC_BYTES / 6))}`;
    const { code, lines } = await refusal(big);
    expect(code).toBe('SPEC_TOO_LARGE');
    expect(lines).toEqual([
      `deployctl.yaml: is ${formatBytes(Buffer.byteLength(big))}, more than the 1 MiB (1048576 bytes) a spec file may have; it was not read. Check that this is the file you meant, or raise the limit with DEPLOYCTL_MAX_SPEC_BYTES=BYTES`,
    ]);
  });

  it('DEPLOYCTL_MAX_SPEC_BYTES sets the limit; a spec of exactly the limit is read', async () => {
    const size = Buffer.byteLength(VALID);
    const { code, lines } = await refusal(VALID, { DEPLOYCTL_MAX_SPEC_BYTES: String(size - 1) });
    expect(code).toBe('SPEC_TOO_LARGE');
    expect(lines[0]).toContain(`is ${size} bytes, more than the ${size - 1} bytes a spec file may have`);
    const dir = tempDir();
    writeFileSync(join(dir, 'deployctl.yaml'), VALID);
    const ok = await loadSpec('deployctl.yaml', {
      env: { DEPLOYCTL_MAX_SPEC_BYTES: String(size) },
      cwd: dir,
    });
    expect(ok.ok).toBe(true);
  });

  it.each(['lots', '-5', '0', '1.5', '1e6'])(
    'DEPLOYCTL_MAX_SPEC_BYTES=%s is refused as a bad argument',
    async (v) => {
      const { code, lines } = await refusal(VALID, { DEPLOYCTL_MAX_SPEC_BYTES: v });
      expect(code).toBe('BAD_ARGUMENT');
      expect(lines).toEqual([
        `deployctl.yaml: was not read: DEPLOYCTL_MAX_SPEC_BYTES=${JSON.stringify(v)} is not a number of bytes; set a whole number such as 4194304, or unset it for the default of 1 MiB (1048576 bytes)`,
      ]);
    },
  );

  it('holds the .env beside the spec to the same limit', async () => {
    const { code, lines } = await refusal(
      VALID,
      { DEPLOYCTL_MAX_SPEC_BYTES: '400' },
      `A=${'x'.repeat(500)}\n`,
    );
    expect(code).toBe('SPEC_TOO_LARGE');
    expect(lines).toEqual([
      '.env: is 503 bytes, more than the 400 bytes a .env file may have; it was not read. Check that this is the file you meant, or raise the limit with DEPLOYCTL_MAX_SPEC_BYTES=BYTES',
    ]);
  });

  it('stops reading an endless stream (/dev/zero) just past the limit', async () => {
    const dir = tempDir();
    symlinkSync('/dev/zero', join(dir, 'deployctl.yaml'));
    const result = await loadSpec('deployctl.yaml', { env: { DEPLOYCTL_MAX_SPEC_BYTES: '65536' }, cwd: dir });
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      'deployctl.yaml: gave more than 64 KiB (65536 bytes), the most a spec file may have; reading stopped there and nothing was parsed. Check that this is the input you meant, or raise the limit with DEPLOYCTL_MAX_SPEC_BYTES=BYTES',
    ]);
    expect(result.ok ? undefined : result.code).toBe('SPEC_TOO_LARGE');
  });

  it('reads at most limit + 1 bytes of a stream', async () => {
    const read = await readInputText('/dev/zero', 1000);
    expect(read).toEqual({
      ok: false,
      problem: { kind: 'too-large', bytes: 1001, limit: 1000, atLeast: true },
    });
  });

  it('formats sizes in bytes, KiB, MiB and GiB', () => {
    expect([500, 1536, 1024 * 1024, 10 * 1024 ** 3].map(formatBytes)).toEqual([
      '500 bytes',
      '1.5 KiB (1536 bytes)',
      '1 MiB (1048576 bytes)',
      '10 GiB (10737418240 bytes)',
    ]);
    expect(specByteLimit({})).toEqual({ ok: true, limit: DEFAULT_MAX_SPEC_BYTES });
  });
});

describe('text only', () => {
  it('refuses a NUL byte at its line and column', async () => {
    const { code, lines } = await refusal(
      Buffer.concat([Buffer.from(`${HEAD}apps:\n  ab`), Buffer.from([0]), Buffer.from('c\n')]),
    );
    expect(code).toBe('SPEC_NOT_TEXT');
    expect(lines).toEqual(['deployctl.yaml:4:5: contains a NUL byte, so it is a binary file, not YAML text']);
  });

  it('refuses control characters and invalid UTF-8, located by characters', async () => {
    expect((await refusal(`${HEAD}# é\u001b\n`)).lines).toEqual([
      'deployctl.yaml:3:4: contains the control character 0x1B, which YAML does not allow; remove it',
    ]);
    const overlong = Buffer.concat([
      Buffer.from(`${HEAD}x-a: "é`),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"\n'),
    ]);
    expect((await refusal(overlong)).lines).toEqual([
      'deployctl.yaml:3:8: is not valid UTF-8 (byte 0xC0); save it as UTF-8',
    ]);
    const surrogate = Buffer.concat([Buffer.from(HEAD), Buffer.from([0xed, 0xa0, 0x80])]);
    expect((await refusal(surrogate)).lines).toEqual([
      'deployctl.yaml:3:1: is not valid UTF-8 (byte 0xED); save it as UTF-8',
    ]);
  });

  it('refuses UTF-16 and accepts (drops) a UTF-8 byte order mark', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID, 'utf16le')]);
    const { code, lines } = await refusal(utf16);
    expect(code).toBe('SPEC_NOT_TEXT');
    expect(lines).toEqual([
      'deployctl.yaml:1:1: is UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8',
    ]);
    const bom = await loadText(`\ufeff${VALID}`);
    expect(bom.ok).toBe(true);
    expect(decodeText(Buffer.from('\ufeffa: 1'))).toEqual({ ok: true, text: 'a: 1' });
  });

  it('names a directory given as the spec', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'deployctl.yaml'));
    const result = await loadSpec('deployctl.yaml', { env: {}, cwd: dir });
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      'deployctl.yaml: is a directory, not a spec file; name the file itself',
    ]);
  });
});

describe('structure limits', () => {
  it('refuses nesting deeper than 64 levels at the first too-deep collection, without overflowing the stack', async () => {
    for (const depth of [65, 100_000]) {
      const { code, lines } = await refusal(`${HEAD}x-deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
      expect(code).toBe('SPEC_TOO_LARGE');
      expect(lines).toEqual([
        expect.stringMatching(
          /^deployctl\.yaml:3:\d+: nests lists and mappings more than 64 levels deep; a spec needs fewer than 10, so this is not a spec \(or is a YAML bomb\)$/,
        ),
      ]);
    }
    expect((await loadText(`${VALID}x-ok: ${'['.repeat(20)}${']'.repeat(20)}\n`)).ok).toBe(true);
  });

  it(`refuses more than ${MAX_ENTRIES} keys and list items, block or flow`, async () => {
    const block = `${VALID}x-keys:\n${Array.from({ length: MAX_ENTRIES + 10 }, (_, i) => `  k${i}: v`).join('\n')}\n`;
    const flow = `${VALID}x-list: [${Array.from({ length: MAX_ENTRIES + 10 }, (_, i) => i).join(',')}]\n`;
    for (const text of [block, flow]) {
      const { code, lines } = await refusal(text);
      expect(code).toBe('SPEC_TOO_LARGE');
      expect(lines).toEqual([
        expect.stringMatching(
          /^deployctl\.yaml:\d+:\d+: has more than 20,000 keys and list items, far more than any spec needs; it was not checked further\. Check that this is the file you meant$/,
        ),
      ]);
    }
    const fine = `${VALID}x-keys:\n${Array.from({ length: 5000 }, (_, i) => `  k${i}: v`).join('\n')}\n`;
    expect((await loadText(fine)).ok).toBe(true);
  });

  it('reports an alias bomb as too large', async () => {
    const levels = ['  a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++)
      levels.push(
        `  l${i}: &l${i} [${Array(10)
          .fill(i === 1 ? '*a' : `*l${i - 1}`)
          .join(', ')}]`,
      );
    const { code, lines } = await refusal(`${VALID}x-bomb:\n${levels.join('\n')}\n`);
    expect(code).toBe('SPEC_TOO_LARGE');
    expect(lines[0]).toContain('expands its aliases (*name) past 1,000 copies, as a YAML alias bomb does');
  });
});

describe('saved plan files', () => {
  it('are refused over 16 times the spec limit, as text only, and as files only', async () => {
    const dir = tempDir();
    const plan = join(dir, 'plan.json');
    writeFileSync(plan, `{"x": "${'y'.repeat(2000)}"}`);
    const err = await readPlanFileText(plan, { DEPLOYCTL_MAX_SPEC_BYTES: '100' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployctlError);
    expect((err as DeployctlError).code).toBe('PLAN_FILE_INVALID');
    expect((err as DeployctlError).message).toBe(
      `cannot use the plan file: ${plan}: is 2.0 KiB (2009 bytes), more than the 1.6 KiB (1600 bytes) a plan file may have; it was not read. Check that this is the file you meant, or raise the limit with DEPLOYCTL_MAX_SPEC_BYTES (plans may be 16 times that). Nothing was changed. Save a plan with \`deployctl plan --out ${plan}\`.`,
    );
    writeFileSync(plan, Buffer.from([0x7b, 0x00, 0x7d]));
    await expect(readPlanFileText(plan, {})).rejects.toThrow(`${plan}:1:2: contains a NUL byte`);
    await expect(readPlanFileText(dir, {})).rejects.toThrow(`${dir}: is a directory, not a plan file`);
    await expect(readPlanFileText(join(dir, 'none.json'), {})).rejects.toThrow(
      `${join(dir, 'none.json')}: cannot be read (ENOENT)`,
    );
    writeFileSync(plan, '{"ok": true}');
    expect(await readPlanFileText(plan, {})).toBe('{"ok": true}');
  });
});
