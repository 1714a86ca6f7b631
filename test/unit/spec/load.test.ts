import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/errors.js';
import { loadSpec } from '../../../src/spec/load.js';
import { HEAD, loadErrors, loadText, tempDir } from './helpers.js';

const valid = `${HEAD}apps:\n  services:\n    api:\n      image: shop/api:v1\n`;

describe('loadSpec: reading the file', () => {
  it('says what to do when the file does not exist', async () => {
    const dir = tempDir();
    const result = await loadSpec('deployctl.yaml', { env: {}, cwd: dir });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      'deployctl.yaml: does not exist; pass -f FILE, or create ./deployctl.yaml (examples/sancho/deployctl.yaml is a starting point)',
    ]);
  });

  it('says so when the path cannot be read as a file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'spec.yaml'));
    const result = await loadSpec('spec.yaml', { env: {}, cwd: dir });
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      'spec.yaml: is a directory, not a spec file; name the file itself',
    ]);
  });

  it('shows the file relative to cwd, as the user would type it, and resolves it against cwd', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'deploy'));
    writeFileSync(join(dir, 'deploy', 'prod.yaml'), `${valid}      portz: 1\n`);
    const fromRoot = await loadSpec('deploy/prod.yaml', { env: {}, cwd: dir });
    expect(fromRoot.ok ? [] : fromRoot.issues.map(formatIssue)).toEqual([
      'deploy/prod.yaml:7:7: apps.services.api has unknown key "portz"; did you mean "ports"?',
    ]);
    const fromInside = await loadSpec(join(dir, 'deploy', 'prod.yaml'), {
      env: {},
      cwd: join(dir, 'deploy'),
    });
    expect(fromInside.ok ? [] : fromInside.issues.map((i) => i.file)).toEqual(['prod.yaml']);
    const fromSibling = await loadSpec('../deploy/prod.yaml', { env: {}, cwd: join(dir, 'other') });
    expect(fromSibling.ok ? [] : fromSibling.issues.map((i) => i.file)).toEqual(['../deploy/prod.yaml']);
  });

  it('reads .env beside the spec, not beside cwd', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'deploy'));
    writeFileSync(
      join(dir, 'deploy', 'deployctl.yaml'),
      `${HEAD}apps:\n  services:\n    api:\n      image: shop/api:\${TAG}\n`,
    );
    writeFileSync(join(dir, 'deploy', '.env'), 'TAG=beside-spec\n');
    writeFileSync(join(dir, '.env'), 'TAG=beside-cwd\n');
    const result = await loadSpec('deploy/deployctl.yaml', { env: {}, cwd: dir });
    expect(result.ok && result.spec.apps.services[0]?.image).toBe('shop/api:beside-spec');
  });

  it('reports an unreadable .env', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.env'));
    const result = await loadText(valid, { dir });
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      '.env: cannot be read (EISDIR); fix its permissions or remove it',
    ]);
  });
});

describe('loadSpec: YAML problems', () => {
  it('reports the first syntax error with its position, not the parser echoes after it', async () => {
    const errors = await loadErrors(
      `${HEAD}apps:\n  services:\n    api:\n      image: [unclosed\n      user: x\n`,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^deployctl\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('reports every duplicate key at the repeated key, with the mapping path', async () => {
    const errors = await loadErrors(
      `${HEAD}project: again\napps:\n  services:\n    api:\n      image: a\n      image: b\n`,
    );
    expect(errors).toEqual([
      'deployctl.yaml:3:1: the file repeats the key "project"; YAML keeps only the last one, so remove or rename the other',
      'deployctl.yaml:8:7: apps.services.api repeats the key "image"; YAML keeps only the last one, so remove or rename the other',
    ]);
  });

  it('refuses an empty file', async () => {
    expect(await loadErrors('# only a comment\n')).toEqual([
      'deployctl.yaml: is empty; a spec needs at least version: 1 and project: (examples/sancho/deployctl.yaml is a starting point)',
    ]);
  });

  it('refuses a file that is not a mapping', async () => {
    expect(await loadErrors('- a\n- b\n')).toEqual(['deployctl.yaml:1:1: the file must be a mapping']);
  });

  it('refuses several documents in one file', async () => {
    const errors = await loadErrors(`${valid}---\n${valid}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^deployctl\.yaml:7:1: YAML syntax error: Source contains multiple documents/);
  });

  it('keeps YAML 1.2 core types like Compose: yes and on stay strings', async () => {
    const result = await loadText(
      `${HEAD}apps:\n  services:\n    api:\n      image: x\n      environment:\n        A: yes\n        B: on\n`,
    );
    expect(result.ok && result.spec.apps.services[0]?.environment).toEqual({ A: 'yes', B: 'on' });
  });

  it('refuses alias bombs instead of expanding them', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const result = await loadText(`${HEAD}x-bomb:\n${bomb.map((l) => `  ${l}`).join('\n')}\n`);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : formatIssue(result.issues[0]!)).toMatch(
      /^deployctl\.yaml: expands its aliases \(\*name\) past 1,000 copies, as a YAML alias bomb does; it was not checked further\. Use fewer aliases, or aliases of smaller anchors$/,
    );
  });
});

describe('loadSpec: robustness', () => {
  it('never throws, whatever the file holds', async () => {
    const dir = tempDir();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.constantFrom(
            valid,
            `${valid}      ports: [\${X`,
            'version: 1\nproject: [\n',
            '{{{',
            '*a',
            '? [a]: b',
          ),
        ),
        async (text) => {
          writeFileSync(join(dir, 'deployctl.yaml'), text);
          const result = await loadSpec('deployctl.yaml', { env: {}, cwd: dir });
          if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('returns ok with the spec and no issues for a valid file', async () => {
    const result = await loadText(valid);
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([]);
  });
});
