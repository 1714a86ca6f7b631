import { LABEL } from '../../../src/engine/labels.js';
import type { ObservedState } from '../../../src/plan/observed.js';
import type { Spec } from '../../../src/spec/model.js';
import {
  appService,
  buildSpec,
  container,
  dirSpec,
  imageInfo,
  infraService,
  managedContainer,
  networkInfo,
  networkSpec,
  observedState,
  volumeInfo,
  volumeSpec,
} from '../../support/builders.js';

export const SECRET = 'hunter2-very-secret';
export const OLD_SECRET = 'old-secret-value-42';

/**
 * The "sancho" stack of SPEC.md, mid-life: traefik runs an old image and was edited in the
 * spec, the db matches, generation `d2` runs, `d1` is stopped, `d0` is expired, a legacy
 * container is protected by a glob. Used by render and JSON tests.
 */
export function sanchoScenario(): { spec: Spec; observed: ObservedState; deployId: string } {
  const traefik = infraService('traefik', {
    containerName: 'sancho_traefik_persistent',
    image: 'traefik:v2.11',
    ports: [
      { hostPort: 80, containerPort: 80, protocol: 'tcp' },
      { hostPort: 443, containerPort: 443, protocol: 'tcp' },
    ],
    mounts: [
      {
        type: 'dir',
        dir: 'letsencrypt',
        source: '/srv/sancho/letsencrypt',
        target: '/letsencrypt',
        readOnly: false,
      },
    ],
    networks: ['sancho_net'],
  });
  const db = infraService('db', {
    containerName: 'sancho_db_v2',
    image: 'postgres:15',
    environment: { POSTGRES_DB: 'maestro', POSTGRES_PASSWORD: SECRET },
    sensitiveKeys: ['POSTGRES_PASSWORD'],
    mounts: [
      { type: 'volume', name: 'sancho_postgres_data', target: '/var/lib/postgresql/data', readOnly: false },
    ],
    networks: ['sancho_net'],
  });
  const backend = appService('backend', {
    image: 'registry.example.com/sancho/backend:v3',
    environment: { DATABASE_URL: `postgres://maestro:${SECRET}@sancho_db_v2/maestro`, LOG_LEVEL: 'info' },
    sensitiveKeys: ['DATABASE_URL'],
    networks: ['sancho_net'],
  });
  const init = {
    project: 'sancho',
    volumes: [volumeSpec('sancho_postgres_data', true), volumeSpec('traefik_logs')],
    networks: [networkSpec('sancho_net')],
    dirs: [dirSpec('letsencrypt', '/srv/sancho/letsencrypt')],
    keepGenerations: 1,
    protect: ['sancho_*_persistent', 'legacy_*'],
    sensitiveValues: [SECRET],
  };
  const spec = buildSpec({ ...init, infra: [traefik, db], apps: [backend] });
  // What the live containers were created from: an older traefik and older backend with the old secret.
  const before = buildSpec({
    ...init,
    infra: [
      { ...traefik, image: 'traefik:v2.10' },
      { ...db, environment: { ...db.environment, POSTGRES_PASSWORD: OLD_SECRET } },
    ],
    apps: [
      {
        ...backend,
        image: 'registry.example.com/sancho/backend:v2',
        environment: { DATABASE_URL: `postgres://maestro:${OLD_SECRET}@db/m`, LOG_LEVEL: 'debug' },
      },
    ],
    sensitiveValues: [OLD_SECRET],
  });
  const [oldTraefik, oldDb] = before.infra.services;
  const oldBackend = before.apps.services[0]!;
  const observed = observedState({
    volumes: [volumeInfo('sancho_postgres_data')],
    networks: [networkInfo('sancho_net')],
    dirs: { letsencrypt: true },
    images: [imageInfo('traefik:v2.11'), imageInfo('postgres:15', { volumes: ['/var/lib/postgresql/data'] })],
    containers: [
      managedContainer(before, oldTraefik!),
      managedContainer(before, oldDb!),
      managedContainer(before, oldBackend, { deployId: 'd2', createdAt: 300 }),
      managedContainer(before, oldBackend, { deployId: 'd1', createdAt: 200, state: 'exited' }),
      managedContainer(before, oldBackend, { deployId: 'd0', createdAt: 100, state: 'exited' }),
      container('legacy_redis', { labels: {} }),
      container('sancho_cache', {
        labels: { [LABEL.project]: 'sancho', [LABEL.role]: 'infra', [LABEL.service]: 'cache' },
      }),
    ],
  });
  return { spec, observed, deployId: 'd3' };
}
