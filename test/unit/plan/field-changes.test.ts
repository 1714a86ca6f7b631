import { describe, expect, it } from 'vitest';
import { diffDefinitions, formatValue } from '../../../src/plan/field-changes.js';
import { maskedHash } from '../../../src/spec/config-hash.js';

const none = { keys: new Set<string>(), values: [] };

describe('diffDefinitions', () => {
  it('GIVEN two definitions WHEN env keys are added, removed and changed THEN one change per key, sorted', () => {
    const changes = diffDefinitions(
      { image: 'a:1', environment: { A: '1', B: '2' } },
      { image: 'a:1', environment: { B: '3', C: '4' } },
      none,
    );
    expect(changes).toEqual([
      { field: 'environment.A', before: '1', sensitive: false, forcesReplacement: true },
      { field: 'environment.B', before: '2', after: '3', sensitive: false, forcesReplacement: true },
      { field: 'environment.C', after: '4', sensitive: false, forcesReplacement: true },
    ]);
  });

  it('GIVEN ports, mounts and command changes WHEN diffing THEN short Compose-like strings', () => {
    const changes = diffDefinitions(
      {
        ports: [{ hostPort: 80, containerPort: 80, protocol: 'tcp' }],
        mounts: [{ type: 'volume', name: 'data', target: '/data', readOnly: false }],
        command: ['serve'],
      },
      {
        ports: [
          { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
          { containerPort: 53, protocol: 'udp' },
        ],
        mounts: [{ type: 'dir', dir: 'certs', source: '/srv/certs', target: '/certs', readOnly: true }],
        command: ['serve', '--verbose'],
      },
      none,
    );
    expect(changes.map((c) => [c.field, c.before, c.after])).toEqual([
      ['command', '["serve"]', '["serve","--verbose"]'],
      ['mounts', 'data:/data', 'certs:/certs:ro'],
      ['ports', '80:80', '127.0.0.1:8080:80, 53/udp'],
    ]);
  });

  it('GIVEN objects with keys in another order WHEN diffing THEN no change', () => {
    expect(
      diffDefinitions(
        { healthcheck: { test: ['CMD'], retries: 3 } },
        { healthcheck: { retries: 3, test: ['CMD'] } },
        none,
      ),
    ).toEqual([]);
  });

  it('GIVEN a secret env key WHEN its masked hash changes THEN the change is (sensitive) on both sides', () => {
    const changes = diffDefinitions(
      { environment: { DB_PASS: maskedHash('p', 'DB_PASS', 'old') } },
      { environment: { DB_PASS: maskedHash('p', 'DB_PASS', 'new') } },
      { keys: new Set(['DB_PASS']), values: [] },
    );
    expect(changes).toEqual([
      {
        field: 'environment.DB_PASS',
        before: '(sensitive)',
        after: '(sensitive)',
        sensitive: true,
        forcesReplacement: true,
      },
    ]);
  });

  it('GIVEN a key that looks secret but was not declared WHEN its value changes THEN it is still masked', () => {
    const [change] = diffDefinitions(
      { environment: { API_TOKEN: 'abc' } },
      { environment: { API_TOKEN: 'def' } },
      none,
    );
    expect(change).toMatchObject({ sensitive: true, before: '(sensitive)', after: '(sensitive)' });
  });

  it('GIVEN a secret value inside another field WHEN diffing THEN that field is masked whole', () => {
    const [change] = diffDefinitions(
      { command: ['run'] },
      { command: ['run', '--password=hunter2'] },
      { keys: new Set(), values: ['hunter2'] },
    );
    expect(change).toEqual({
      field: 'command',
      before: '(sensitive)',
      after: '(sensitive)',
      sensitive: true,
      forcesReplacement: true,
    });
  });
});

describe('formatValue', () => {
  it('GIVEN a very long value THEN it is shortened with an ellipsis', () => {
    const text = formatValue('labels.x', 'y'.repeat(500))!;
    expect(text.length).toBe(160);
    expect(text.endsWith('…')).toBe(true);
  });
});
