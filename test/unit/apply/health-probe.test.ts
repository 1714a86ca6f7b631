import { describe, expect, it } from 'vitest';
import { probeArgv, probeFor } from '../../../src/apply/health-probe.js';
import { appService } from '../../support/builders.js';

describe('probeArgv', () => {
  it.each([
    [
      ['CMD', 'wget', '-qO-', 'http://127.0.0.1/'],
      ['wget', '-qO-', 'http://127.0.0.1/'],
    ],
    [
      ['CMD-SHELL', 'curl -f localhost || exit 1'],
      ['/bin/sh', '-c', 'curl -f localhost || exit 1'],
    ],
    [['NONE'], undefined],
    [[], undefined],
    [['CMD'], undefined],
  ])('GIVEN test %j THEN it runs %j', (test, argv) => {
    expect(probeArgv({ test })).toEqual(argv);
  });

  it('GIVEN no healthcheck in the spec (none, or the image’s own) THEN nothing to run', () => {
    expect(probeArgv(undefined)).toBeUndefined();
  });
});

describe('probeFor', () => {
  const hc = { test: ['CMD', 'true'] };
  it('GIVEN a service with a healthcheck THEN its command', () => {
    expect(probeFor(appService('api', { healthcheck: hc }))).toEqual(['true']);
  });
  it('GIVEN a service Traefik routes THEN none: the gate waits for the engine, as Traefik does', () => {
    expect(
      probeFor(
        appService('api', { healthcheck: hc, labels: { 'traefik.http.routers.api.rule': 'Host(`a`)' } }),
      ),
    ).toBeUndefined();
  });
});
