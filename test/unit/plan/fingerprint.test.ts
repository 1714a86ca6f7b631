import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../src/engine/labels.js';
import { stateFingerprint } from '../../../src/plan/fingerprint.js';
import { container, imageInfo, networkInfo, observedState, volumeInfo } from '../../support/builders.js';

const state = observedState({
  containers: [container('a', { labels: { x: '1' } }), container('b', { state: 'exited' })],
  volumes: [volumeInfo('v1'), volumeInfo('v2')],
  networks: [networkInfo('n1')],
  images: [imageInfo('app:1')],
  dirs: { certs: true },
});

describe('stateFingerprint', () => {
  it('GIVEN the same state listed in another order THEN the same fingerprint', () => {
    const shuffled = {
      ...state,
      containers: [...state.containers].reverse(),
      volumes: [...state.volumes].reverse(),
    };
    expect(stateFingerprint(shuffled)).toBe(stateFingerprint(state));
  });

  it("GIVEN the proxy's routes THEN they count once read: other routes, or none, move the fingerprint", () => {
    const routed = { ...state, proxyRoutes: '{"a":1}' };
    expect(stateFingerprint(routed)).not.toBe(stateFingerprint(state));
    expect(stateFingerprint({ ...state, proxyRoutes: '{"a":2}' })).not.toBe(stateFingerprint(routed));
    expect(stateFingerprint({ ...state, proxyRoutes: null })).not.toBe(stateFingerprint(routed));
    expect(stateFingerprint({ ...state, proxyRoutes: '{"a":1}' })).toBe(stateFingerprint(routed));
  });

  it('GIVEN only health or creation time changed THEN the same fingerprint (they flap)', () => {
    const flapped = {
      ...state,
      containers: state.containers.map((c) => ({ ...c, health: 'unhealthy' as const, createdAt: 1 })),
    };
    expect(stateFingerprint(flapped)).toBe(stateFingerprint(state));
  });

  it('GIVEN a lock container appears THEN the same fingerprint (apply holds it while re-observing)', () => {
    const lock = container('lock', { labels: { [LABEL.project]: 'p', [LABEL.role]: 'lock' } });
    expect(stateFingerprint({ ...state, containers: [...state.containers, lock] })).toBe(
      stateFingerprint(state),
    );
  });

  it.each([
    [
      'a container state',
      { containers: [container('a', { labels: { x: '1' } }), container('b', { state: 'running' })] },
    ],
    [
      'a label',
      { containers: [container('a', { labels: { x: '2' } }), container('b', { state: 'exited' })] },
    ],
    ['a volume', { volumes: [volumeInfo('v1')] }],
    ['a network', { networks: [] }],
    ['an image id', { images: [imageInfo('app:1', { id: 'sha256:other' })] }],
    ['a dir', { dirs: { certs: false } }],
  ])('GIVEN %s changed THEN a different fingerprint', (_what, change) => {
    expect(stateFingerprint({ ...state, ...change })).not.toBe(stateFingerprint(state));
  });
});
