import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../src/engine/labels.js';
import { stateFingerprint } from '../../../src/plan/fingerprint.js';
import type { ObservedState } from '../../../src/plan/observed.js';
import {
  buildSpec,
  container,
  imageInfo,
  networkInfo,
  networkSpec,
  observedState,
  volumeInfo,
  volumeSpec,
} from '../../support/builders.js';

const spec = buildSpec({
  project: 'p',
  volumes: [volumeSpec('v1'), volumeSpec('v2', true)],
  networks: [networkSpec('n1')],
});
const fp = (observed: ObservedState): string => stateFingerprint(observed, spec);

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
    expect(fp(shuffled)).toBe(fp(state));
  });

  it("GIVEN the proxy's routes THEN they count once read: other routes, or none, move the fingerprint", () => {
    const routed = { ...state, proxyRoutes: '{"a":1}' };
    expect(fp(routed)).not.toBe(fp(state));
    expect(fp({ ...state, proxyRoutes: '{"a":2}' })).not.toBe(fp(routed));
    expect(fp({ ...state, proxyRoutes: null })).not.toBe(fp(routed));
    expect(fp({ ...state, proxyRoutes: '{"a":1}' })).toBe(fp(routed));
  });

  it('GIVEN only health or creation time changed THEN the same fingerprint (they flap)', () => {
    const flapped = {
      ...state,
      containers: state.containers.map((c) => ({ ...c, health: 'unhealthy' as const, createdAt: 1 })),
    };
    expect(fp(flapped)).toBe(fp(state));
  });

  it('GIVEN a lock container appears THEN the same fingerprint (apply holds it while re-observing)', () => {
    const lock = container('lock', { labels: { [LABEL.project]: 'p', [LABEL.role]: 'lock' } });
    expect(fp({ ...state, containers: [...state.containers, lock] })).toBe(fp(state));
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
    [
      'a volume this project labelled',
      { volumes: [...state.volumes, volumeInfo('left', { [LABEL.project]: 'p' })] },
    ],
  ])('GIVEN %s changed THEN a different fingerprint', (_what, change) => {
    expect(fp({ ...state, ...change })).not.toBe(fp(state));
  });

  it("GIVEN another project's volumes and networks come and go THEN the same fingerprint (they are not this plan's)", () => {
    const busy = {
      ...state,
      volumes: [...state.volumes, volumeInfo('other_data', { [LABEL.project]: 'other' }), volumeInfo('anon')],
      networks: [...state.networks, networkInfo('other_net', { [LABEL.project]: 'other' })],
    };
    expect(fp(busy)).toBe(fp(state));
  });
});
