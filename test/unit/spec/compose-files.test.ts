import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceDefinition } from '../../../src/spec/config-hash.js';
import type { ServiceSpec, Spec } from '../../../src/spec/model.js';
import { HEAD, loadErrors, loadOk, tempDir } from './helpers.js';

function svc(spec: Spec, name: string): ServiceSpec {
  const found = [...spec.infra.services, ...spec.apps.services].find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

const SPEC = `${HEAD}secrets:
  db_password: { file: ./db_password.txt }
configs:
  nginx_conf: { file: ./nginx.conf }
apps:
  services:
    api:
      image: shop/api:v1
      secrets: [db_password, { source: db_password, target: /etc/app/pw }]
      configs: [nginx_conf]
`;

function dirWith(password: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'db_password.txt'), password);
  writeFileSync(join(dir, 'nginx.conf'), 'worker_processes 1;\n');
  return dir;
}

describe('Compose file secrets and configs', () => {
  it('mounts each file read-only where Compose mounts it', async () => {
    const dir = dirWith('hunter2-very-secret');
    const api = svc(await loadOk(SPEC, { dir }), 'api');
    expect(api.mounts).toEqual([
      {
        type: 'bind',
        source: join(dir, 'db_password.txt'),
        target: '/run/secrets/db_password',
        readOnly: true,
      },
      { type: 'bind', source: join(dir, 'db_password.txt'), target: '/etc/app/pw', readOnly: true },
      { type: 'bind', source: join(dir, 'nginx.conf'), target: '/nginx_conf', readOnly: true },
    ]);
  });

  it('the content is in the config hash, but never in the definition (labels, plan)', async () => {
    const dir = dirWith('hunter2-very-secret');
    const before = svc(await loadOk(SPEC, { dir }), 'api');
    const def = JSON.stringify(serviceDefinition(before, 'shop', []));
    expect(def).not.toContain('hunter2-very-secret');
    expect(def).not.toContain('worker_processes');
    writeFileSync(join(dir, 'db_password.txt'), 'another-secret-value');
    const after = svc(await loadOk(SPEC, { dir }), 'api');
    expect(after.configHash).not.toBe(before.configHash);
    expect(after.settings?.mountedFiles?.['/run/secrets/db_password']).not.toBe(
      before.settings?.mountedFiles?.['/run/secrets/db_password'],
    );
    expect(JSON.stringify(serviceDefinition(after, 'shop', []))).not.toContain('another-secret-value');
  });

  it('the list form of top-level secrets still names secret variables', async () => {
    const spec = await loadOk(
      `${HEAD}secrets: [SHOP_DSN]
apps:
  services:
    api:
      image: shop/api:v1
      environment: { SHOP_DSN: "\${SHOP_DSN}" }
`,
      { env: { SHOP_DSN: 'postgres://u:p@db/x' } },
    );
    expect(svc(spec, 'api').sensitiveKeys).toEqual(['SHOP_DSN']);
  });

  it('reports an undeclared name and a missing file', async () => {
    const dir = tempDir();
    const errors = (
      await loadErrors(
        `${HEAD}secrets:
  token: { file: ./missing.txt }
apps:
  services:
    api:
      image: shop/api:v1
      secrets: [token, nope]
`,
        { dir },
      )
    ).join('\n');
    expect(errors).toMatch(
      /apps\.services\.api\.secrets\[0\] names secret "token", whose file .*missing\.txt does not exist; create it/,
    );
    expect(errors).toMatch(
      /apps\.services\.api\.secrets\[1\] names secret "nope", which is not declared; add it under the top-level secrets: as nope: \{ file: \.\/path \}/,
    );
  });

  it('mode, uid and gid of a mounted file are refused with what to do instead', async () => {
    const errors = await loadErrors(
      SPEC.replace(
        '{ source: db_password, target: /etc/app/pw }',
        '{ source: db_password, target: /etc/app/pw, mode: 0400, uid: "1000" }',
      ),
      { dir: dirWith('pw') },
    );
    expect(errors).toEqual([
      'deployctl.yaml:11:74: apps.services.api.secrets[1] has key "mode", which is not supported: the file is mounted read-only from the host as it is, so its owner and mode are the host file\'s; set them there (e.g. chmod 0440 and chgrp on the file) and remove this key',
      'deployctl.yaml:11:86: apps.services.api.secrets[1] has key "uid", which is not supported: the file is mounted read-only from the host as it is, so its owner and mode are the host file\'s; set them there (e.g. chmod 0440 and chgrp on the file) and remove this key',
    ]);
  });
});
