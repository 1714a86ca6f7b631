import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/errors.js';
import { HEAD, loadText } from './helpers.js';

const SPEC = `${HEAD}infra:
  services:
    db:
      container_name: shop_db
      image: postgres:15
      environment:
        POSTGRES_PASSWORD: \${DB_PASSWORD}
apps:
  services:
    web:
      image: registry.example.com/web:\${TAG:?set TAG to the release}
      ports: ['\${WEB_PORT}:8000']
`;

describe('read-only loading: unset variables', () => {
  it('refuse the spec for commands that change things', async () => {
    const r = await loadText(SPEC);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map(formatIssue)).toEqual([
      'deployctl.yaml:9:28: infra.services.db.environment.POSTGRES_PASSWORD uses ${DB_PASSWORD} but variable DB_PASSWORD is not set; export it, add it to .env beside the spec, or write ${DB_PASSWORD:-default}',
      'deployctl.yaml:13:14: apps.services.web.image requires variable TAG to be set and not empty: set TAG to the release',
      'deployctl.yaml:14:15: apps.services.web.ports[0] uses ${WEB_PORT} but variable WEB_PORT is not set; export it, add it to .env beside the spec, or write ${WEB_PORT:-default}',
    ]);
  });

  it('leave the values unknown, with a located warning each, for read-only commands', async () => {
    const r = await loadText(SPEC, { readOnly: true });
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
    expect(r.spec.unresolved).toEqual([
      ['infra', 'services', 'db', 'environment', 'POSTGRES_PASSWORD'],
      ['apps', 'services', 'web', 'image'],
      ['apps', 'services', 'web', 'ports', 0],
    ]);
    expect(r.warnings.map(formatIssue).filter((w) => w.includes('unknown here'))).toEqual([
      'deployctl.yaml:9:28: infra.services.db.environment.POSTGRES_PASSWORD is unknown here: variable DB_PASSWORD is not set, so this read-only command goes on without it (commands that change anything need it)',
      'deployctl.yaml:13:14: apps.services.web.image is unknown here: variable TAG is not set, so this read-only command goes on without it (commands that change anything need it)',
      'deployctl.yaml:14:15: apps.services.web.ports[0] is unknown here: variable WEB_PORT is not set, so this read-only command goes on without it (commands that change anything need it)',
    ]);
    expect(r.spec.infra.services[0]?.containerName).toBe('shop_db');
    expect(r.spec.apps.services.map((s) => s.name)).toEqual(['web']);
  });

  it('still refuse what names the containers to look at, and every other error', async () => {
    const named = await loadText(
      `version: 1\nproject: \${PROJECT}\ninfra:\n  services:\n    db:\n      container_name: \${DB_NAME}\n      image: postgres:15\n`,
      { readOnly: true },
    );
    expect(named.ok).toBe(false);
    if (named.ok) return;
    expect(named.issues.map((i) => i.path)).toEqual(['project', 'infra.services.db.container_name']);
    const broken = await loadText(`${SPEC}    bad:\n      image: busybox\n      restart: sometimes\n`, {
      readOnly: true,
    });
    expect(broken.ok).toBe(false);
    if (broken.ok) return;
    expect(broken.issues.map((i) => i.path)).toEqual(['apps.services.bad.restart']);
  });
});
