import { describe, expect, it } from 'vitest';
import { imageRefProblem } from '../../../src/spec/bounds.js';
import { MAX_LISTED } from '../../../src/spec/schema-issues.js';
import { HEAD, loadErrors, loadOk, loadText } from './helpers.js';

const app = (body: string) => `${HEAD}apps:\n  services:\n    web:\n${body}`;

describe('image references', () => {
  it.each([
    'busybox',
    'busybox:1.36',
    'deployctl-fixture/app:v1',
    'localhost/deployctl-fixture/app:v1',
    'registry.example.com:5000/team/api:1.4',
    'ghcr.io/org/my_app__x:v1.2-rc.1',
    `postgres@sha256:${'a'.repeat(64)}`,
    `registry.local/team/api:v1@sha256:${'0'.repeat(64)}`,
  ])('accepts %s', (ref) => expect(imageRefProblem(ref)).toBeUndefined());

  it.each([
    ['busybox latest', /contains whitespace/],
    ['Team/API:v1', /must be lowercase/],
    ['a:b:c', /\[registry\/\]name\[:tag\]/],
    ['-leading', /\[registry\/\]name/],
    ['api:', /\[registry\/\]name/],
    [`api:${'t'.repeat(129)}`, /\[registry\/\]name/],
    ['a'.repeat(600), /600 characters long/],
  ])('refuses %s', (ref, message) => expect(imageRefProblem(ref)).toMatch(message));

  it('is located in the spec, after interpolation', async () => {
    const errors = await loadErrors(app('      image: ${IMG}\n'), { env: { IMG: 'busybox latest' } });
    expect(errors).toEqual([
      'deployctl.yaml:6:14: apps.services.web.image is not an image reference: it contains whitespace',
    ]);
  });

  it('matches a hostile 500-character reference at once', () => {
    const started = performance.now();
    for (let i = 0; i < 200; i++) imageRefProblem(`${'a-'.repeat(250)}!`);
    // A backtracking blow-up would take seconds per call, not milliseconds for all 200.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('absurd numbers', () => {
  it('refuses durations past a year, whatever the key', async () => {
    const errors = await loadErrors(
      app(
        '      image: busybox\n      stop_grace_period: 99999999999h\n      healthcheck:\n        test: [CMD, "true"]\n        interval: 366d\n        timeout: 31536001\n',
      ) + 'cleanup:\n  max_age: 400d\n',
    );
    expect(errors).toEqual([
      'deployctl.yaml:7:26: apps.services.web.stop_grace_period is longer than 365d, the most any duration may be; check the unit',
      'deployctl.yaml:10:19: apps.services.web.healthcheck.interval is longer than 365d, the most any duration may be; check the unit',
      'deployctl.yaml:11:18: apps.services.web.healthcheck.timeout is longer than 365d, the most any duration may be; check the unit',
      'deployctl.yaml:13:12: cleanup.max_age is longer than 365d, the most any duration may be; check the unit',
    ]);
  });

  it('accepts a year exactly', async () => {
    const spec = await loadOk(app('      image: busybox\n') + 'cleanup:\n  max_age: 365d\n');
    expect(spec.cleanup.maxAgeMs).toBe(365 * 86_400_000);
  });

  it('refuses sizes past 8 PiB and CPUs past a million, and huge counts', async () => {
    const errors = await loadErrors(
      app('      image: busybox\n      mem_limit: 99999999999999999999g\n      cpus: 5000000\n'),
    );
    expect(errors).toEqual([
      'deployctl.yaml:7:18: apps.services.web.mem_limit is more than 8 PiB, beyond any real limit; check the unit',
      'deployctl.yaml:8:13: apps.services.web.cpus is more than 1000000 CPUs; check the value',
    ]);
    const counts = await loadErrors(
      app('      image: busybox\n') + 'cleanup:\n  keep_generations: 100000000\n',
    );
    expect(counts).toEqual(['deployctl.yaml:8:21: cleanup.keep_generations must be at most 100']);
  });
});

describe('names', () => {
  it('refuses a service name longer than a DNS label', async () => {
    const long = 'a'.repeat(64);
    const errors = await loadErrors(`${HEAD}apps:\n  services:\n    ${long}:\n      image: busybox\n`);
    expect(errors).toEqual([
      `deployctl.yaml:5:5: apps.services.${long} is 64 characters long; at most 63 are allowed (it is a DNS label on the network)`,
    ]);
    await loadOk(`${HEAD}apps:\n  services:\n    ${'a'.repeat(63)}:\n      image: busybox\n`);
  });

  it('refuses a project name longer than 63 characters', async () => {
    const errors = await loadErrors(`version: 1\nproject: ${'p'.repeat(70)}\n`);
    expect(errors).toEqual(['deployctl.yaml:2:10: project is 70 characters long; at most 63 are allowed']);
  });
});

describe('many problems', () => {
  it(`lists the first ${MAX_LISTED} and counts the rest`, async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `      unknown${i}: 1\n`).join('');
    const result = await loadText(app(`      image: busybox\n${keys}`));
    if (result.ok) throw new Error('expected problems');
    expect(result.issues).toHaveLength(MAX_LISTED + 1);
    expect(result.issues[0]).toMatchObject({
      line: 0,
      unlisted: 5000 - MAX_LISTED,
      message: `${5000 - MAX_LISTED} more problems of the kinds listed here are left out; fix these and run \`deployctl validate\` again to see the rest`,
    });
    expect(result.issues[1]?.message).toBe('has unknown key "unknown0"');
  });
});
