import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/errors.js';
import { HEAD, loadErrors, loadOk, loadText } from './helpers.js';

/** A valid spec: db (infra, with a volume) and api (app) on one network. */
function stack(parts: { infra?: string; apps?: string; tail?: string } = {}): string {
  return `${HEAD}infra:
  volumes:
    shop_data: {}
  networks:
    shop_net: {}
  dirs:
    certs:
      path: ./certs
  services:
    db:
      image: postgres:15
      container_name: shop_db
      volumes: ["shop_data:/var/lib/postgresql/data"]
      networks: [shop_net]
${parts.infra ?? ''}apps:
  services:
    api:
      image: shop/api:v1
      networks: [shop_net]
${parts.apps ?? ''}${parts.tail ?? ''}`;
}
// Line numbers in stack(): db is on line 12, api on line 19; extra infra lines start at 17,
// extra app lines at 22 (each part shifts what follows it).

describe('semantic checks', () => {
  it('accepts the base stack', async () => {
    const spec = await loadOk(stack(), { deployId: 'v1' });
    expect(spec.infra.services.map((s) => s.name)).toEqual(['db']);
  });

  describe('infra services need a container_name', () => {
    it('fails without one, pointing at the service key', async () => {
      const errors = await loadErrors(
        stack({ infra: '    cache:\n      image: redis:7\n      volumes: ["shop_data:/data"]\n' }),
      );
      expect(errors).toEqual([
        'deployctl.yaml:17:5: infra.services.cache has no container_name; infra services keep one fixed name forever, so add one (e.g. container_name: shop_cache)',
      ]);
    });
    it('passes with one', async () => {
      await loadOk(
        stack({
          infra:
            '    cache:\n      image: redis:7\n      container_name: shop_cache\n      volumes: ["shop_data:/data"]\n',
        }),
      );
    });
  });

  it('refuses container_name on apps, saying how apps are named', async () => {
    const errors = await loadErrors(stack({ apps: '      container_name: shop_api\n' }));
    expect(errors).toEqual([
      'deployctl.yaml:22:7: apps.services.api.container_name is not allowed on apps: apps are named <project>_<service>_<deploy id> (here shop_api_<deploy id>); remove it, or move the service under infra.services if it needs a fixed name',
    ]);
  });

  describe('container names are unique', () => {
    const second = (name: string): string =>
      `    cache:\n      image: redis:7\n      container_name: ${name}\n      volumes: ["shop_data:/data"]\n`;
    it('fails when two infra services share one', async () => {
      const errors = await loadErrors(stack({ infra: second('shop_db') }));
      expect(errors).toEqual([
        'deployctl.yaml:19:23: infra.services.cache.container_name "shop_db" is already the container name of infra.services.db; container names must be unique',
      ]);
    });
    it('fails when an infra name is the generated name of an app for this deploy id', async () => {
      const errors = await loadErrors(stack({ infra: second('shop_api_v7') }), {
        deployId: 'v7',
        deployIdSource: 'flag',
      });
      expect(errors).toEqual([
        'deployctl.yaml:19:23: infra.services.cache.container_name "shop_api_v7" is also the name app api gets for deploy id v7; rename this container or deploy with another id',
      ]);
    });
    it('fails when an infra name looks like any generation of an app (a future deploy id could take it)', async () => {
      const errors = await loadErrors(stack({ infra: second('shop_api_persistent') }));
      expect(errors).toEqual([
        'deployctl.yaml:19:23: infra.services.cache.container_name "shop_api_persistent" looks like a generation of app api (shop_api_<deploy id>), so a deploy could collide with it or retire it; pick a name outside that pattern',
      ]);
    });
    it('passes with distinct names outside the app pattern', async () => {
      await loadOk(stack({ infra: second('shop_cache_persistent') }), { deployId: 'v7' });
    });
  });

  it('refuses an app service named like an infra service', async () => {
    const errors = await loadErrors(stack({ apps: '    db:\n      image: shop/db-ui:v1\n' }));
    expect(errors).toEqual([
      'deployctl.yaml:22:5: apps.services.db has the same name as infra.services.db; service names must be unique across infra and apps (depends_on and network aliases refer to them)',
    ]);
  });

  describe('networks resolve', () => {
    it('fails for an undeclared network in the list form', async () => {
      const errors = await loadErrors(
        stack({ apps: '    web:\n      image: shop/web:v1\n      networks: [shop_net, public]\n' }),
      );
      expect(errors).toEqual([
        'deployctl.yaml:24:28: apps.services.web.networks[1] refers to undefined network "public"; declare it under infra.networks',
      ]);
    });
    it('fails for an undeclared network in the map form, at its key', async () => {
      const errors = await loadErrors(
        stack({ apps: '    web:\n      image: shop/web:v1\n      networks:\n        public: {}\n' }),
      );
      expect(errors).toEqual([
        'deployctl.yaml:25:9: apps.services.web.networks.public refers to undefined network "public"; declare it under infra.networks',
      ]);
    });
  });

  describe('volumes and dirs resolve', () => {
    it('fails for an undeclared named volume', async () => {
      const errors = await loadErrors(stack({ apps: '      volumes: ["uploads:/srv/uploads"]\n' }));
      expect(errors).toEqual([
        'deployctl.yaml:22:17: apps.services.api.volumes[0] refers to undefined volume "uploads"; declare it under infra.volumes (a named volume) or infra.dirs (a host directory)',
      ]);
    });
    it('fails for a relative host path, pointing to infra.dirs', async () => {
      const errors = await loadErrors(stack({ apps: '      volumes: ["./uploads:/srv/uploads"]\n' }));
      expect(errors).toEqual([
        'deployctl.yaml:22:17: apps.services.api.volumes[0] uses the relative host path "./uploads", which would depend on where deployctl runs; declare the directory under infra.dirs (its path is relative to the spec file) and mount it by name',
      ]);
    });
    it('passes for a dir, a volume, an absolute path and an anonymous volume', async () => {
      const spec = await loadOk(
        stack({
          apps: '      volumes: ["certs:/certs:ro", "shop_data:/data", "/etc/ssl:/ssl:ro", "/tmp/x"]\n',
        }),
      );
      expect(spec.apps.services[0]?.mounts.map((m) => m.type)).toEqual([
        'dir',
        'volume',
        'bind',
        'anonymous',
      ]);
    });
    it.each([
      [
        'a bind mount without source',
        '{type: bind, target: /x}',
        'is a bind mount without source; add the host path or an infra.dirs key',
      ],
      [
        'type volume with a host path',
        '{type: volume, source: /srv, target: /x}',
        'has type volume but source "/srv" is a host path; use type: bind',
      ],
      [
        'type bind with a volume name',
        '{type: bind, source: shop_data, target: /x}',
        'has type bind but "shop_data" is a named volume; use type: volume',
      ],
      [
        'type volume with a dir name',
        '{type: volume, source: certs, target: /x}',
        'has type volume but "certs" is an infra.dirs entry (a host directory); use type: bind',
      ],
      [
        'a relative container path',
        '"shop_data:data"',
        'has the container path "data", which must be absolute (start with /)',
      ],
    ])('fails for %s', async (_name, entry, message) => {
      const errors = await loadErrors(stack({ apps: `      volumes: [${entry}]\n` }));
      expect(errors).toEqual([`deployctl.yaml:22:17: apps.services.api.volumes[0] ${message}`]);
    });
    it('fails when a dir and a volume share a name', async () => {
      const errors = await loadErrors(stack().replace('    certs:\n', '    shop_data:\n'));
      expect(errors).toEqual([
        'deployctl.yaml:9:5: infra.dirs.shop_data has the same name as infra.volumes.shop_data, so "shop_data:/path" in a service would be ambiguous; rename one of them',
      ]);
    });
  });

  describe('depends_on', () => {
    it('fails for an undefined service, suggesting the closest name', async () => {
      const errors = await loadErrors(stack({ apps: '      depends_on: [dbb]\n' }));
      expect(errors).toEqual([
        'deployctl.yaml:22:20: apps.services.api.depends_on[0] refers to undefined service "dbb"; did you mean "db"?; depends_on names a key of infra.services or apps.services',
      ]);
    });
    it('names the cycle', async () => {
      const errors = await loadErrors(
        stack({
          apps: '      depends_on: [worker]\n    worker:\n      image: shop/worker:v1\n      depends_on:\n        api: {condition: service_healthy}\n',
        }),
      );
      expect(errors).toEqual([
        'deployctl.yaml:22:20: apps.services.api.depends_on[0] forms a dependency cycle: api -> worker -> api; remove one of these depends_on entries',
      ]);
    });
    it('names a self-dependency as a cycle', async () => {
      const errors = await loadErrors(stack({ apps: '      depends_on: [api]\n' }));
      expect(errors).toEqual([
        'deployctl.yaml:22:20: apps.services.api.depends_on[0] forms a dependency cycle: api -> api; remove one of these depends_on entries',
      ]);
    });
    it('refuses an infra service that depends on an app', async () => {
      const errors = await loadErrors(stack({ infra: '      depends_on: [api]\n' }));
      expect(errors).toEqual([
        'deployctl.yaml:17:20: infra.services.db.depends_on[0] makes infra service db depend on app api; infra starts before apps and outlives every app generation, so it cannot wait for one',
      ]);
    });
    it('passes for apps depending on infra and on other apps, in list and map form', async () => {
      const spec = await loadOk(
        stack({
          apps: '      depends_on: [db]\n    worker:\n      image: shop/worker:v1\n      depends_on:\n        api:\n        db: {condition: service_started}\n',
        }),
      );
      expect(spec.apps.services.map((s) => s.dependsOn)).toEqual([['db'], ['api', 'db']]);
    });
  });

  describe('deploy id', () => {
    it.each([
      ['flag', 'from --deploy-id'],
      ['env', 'from the DEPLOY_ID environment variable'],
      ['generated', 'generated'],
    ] as const)('names its source (%s) when it is not valid', async (source, from) => {
      const errors = await loadErrors(stack(), { deployId: 'bad id!', deployIdSource: source });
      expect(errors).toEqual([
        `deployctl.yaml: the deploy id "bad id!" (${from}) is not valid: use 1 to 63 letters, digits, _, . and -, starting with a letter or digit (e.g. 20261123T0800Z or v42)`,
      ]);
    });
    it.each(['20261123T080000Z', 'v1', 'release-2.3_rc1', 'a'.repeat(63)])('accepts %s', async (id) => {
      await loadOk(stack(), { deployId: id, deployIdSource: 'flag' });
    });
    it('refuses one that is too long or starts with a separator', async () => {
      await loadErrors(stack(), { deployId: 'a'.repeat(64) });
      await loadErrors(stack(), { deployId: '-v1' });
    });
  });

  describe('project name', () => {
    it.each(['Shop', '_shop', 'shop.web', ''])('refuses %j', async (project) => {
      const errors = await loadErrors(stack().replace('project: shop', `project: "${project}"`));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^deployctl\.yaml:2:10: project must be lowercase letters, digits, _ and -/);
    });
    it.each(['shop', 'shop-web_2', '9lives'])('accepts %j', async (project) => {
      await loadOk(stack().replace('project: shop', `project: ${project}`));
    });
  });

  describe('database targets', () => {
    const database = '      database: {engine: postgres, name: shop, user: shop}\n';
    const second = `    analytics:\n      image: postgres:15\n      container_name: shop_analytics\n      volumes: ["shop_data:/data"]\n${database}`;

    it('refuses database: on an app', async () => {
      const errors = await loadErrors(stack({ apps: database }));
      expect(errors).toEqual([
        'deployctl.yaml:22:7: apps.services.api.database is only allowed on infra services: a database that backup and restore-db act on must outlive app generations; move the service under infra.services',
      ]);
    });
    it('refuses two database services when none is named on the command line', async () => {
      const errors = await loadErrors(stack({ infra: `${database}${second}` }));
      expect(errors).toEqual([
        'deployctl.yaml:22:7: infra.services.analytics.database is a second database target (the first is infra.services.db); name the one to use on the command line, or keep database: on one service',
      ]);
    });
    it('accepts two database services when the command line names one', async () => {
      const spec = await loadOk(stack({ infra: `${database}${second}` }), { dbService: 'analytics' });
      expect(spec.infra.services.filter((s) => s.database).map((s) => s.name)).toEqual(['db', 'analytics']);
    });
    it('fails when the named service does not exist', async () => {
      const errors = await loadErrors(stack({ infra: database }), { dbService: 'dbx' });
      expect(errors).toEqual([
        'deployctl.yaml: the database service "dbx" named on the command line is not in the spec; did you mean "db"?; services with database: db',
      ]);
    });
    it('fails when the named service has no database:', async () => {
      const errors = await loadErrors(stack({ infra: database }), { dbService: 'api' });
      expect(errors).toEqual([
        'deployctl.yaml:20:5: apps.services.api is named on the command line as the database, but has no database: {engine: postgres, name, user}; add it or name another service',
      ]);
    });
    it('accepts one database service', async () => {
      const spec = await loadOk(stack({ infra: database }), { dbService: 'db' });
      expect(spec.infra.services[0]?.database).toEqual({ engine: 'postgres', name: 'shop', user: 'shop' });
    });
  });

  describe('infra data safety (a warning, not an error)', () => {
    it('warns about an infra service whose data would live in the container layer', async () => {
      const result = await loadText(
        stack({
          infra:
            '    cache:\n      image: redis:7\n      container_name: shop_cache\n      volumes: ["/data"]\n',
        }),
      );
      expect(result.ok).toBe(true);
      expect(result.warnings.map(formatIssue)).toEqual([
        'deployctl.yaml:17:5: infra.services.cache has no named volume, dir or bind mount: its data lives in the container layer and is lost when it is recreated (anonymous volumes are left behind, not reattached); mount an infra.volumes or infra.dirs entry if it keeps state',
      ]);
      expect(result.warnings[0]?.severity).toBe('warning');
    });
    it('does not warn when a volume, dir or bind mount holds the data', async () => {
      const result = await loadText(
        stack({
          infra:
            '    proxy:\n      image: traefik:v2\n      container_name: shop_proxy\n      volumes: ["certs:/certs"]\n',
        }),
      );
      expect(result.warnings).toEqual([]);
    });
  });

  describe('per-service details', () => {
    it.each([
      [
        'a reserved label',
        '      labels: {deployctl.role: infra}\n',
        'deployctl.yaml:22:16: apps.services.api.labels["deployctl.role"] uses the deployctl. prefix, which is reserved for the labels deployctl puts on what it creates; rename it',
      ],
      [
        'a healthcheck with both disable and test',
        '      healthcheck: {test: [CMD, "true"], disable: true}\n',
        'deployctl.yaml:22:7: apps.services.api.healthcheck sets both disable: true and a test; remove one of them',
      ],
      [
        'a healthcheck without test',
        '      healthcheck: {interval: 5s}\n',
        'deployctl.yaml:22:7: apps.services.api.healthcheck has no test; add one (e.g. test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"]) or disable: true — deployctl does not merge these settings into the image\'s own HEALTHCHECK',
      ],
      [
        'a healthcheck list not starting with CMD',
        '      healthcheck: {test: [curl, localhost]}\n',
        'deployctl.yaml:22:7: apps.services.api.healthcheck has test starting with "curl"; a list test starts with "CMD" (run directly), "CMD-SHELL" (run through the shell) or "NONE"',
      ],
      [
        'a key set twice in environment',
        '      environment: [A=1, A=2]\n',
        'deployctl.yaml:22:26: apps.services.api.environment[1] sets A a second time (first at environment[0]); remove one',
      ],
      [
        'an unclosed quote in command',
        '      command: echo "hi\n',
        'deployctl.yaml:22:16: apps.services.api.command has a double quote that is never closed; close it, or write the command as a list',
      ],
      [
        'a port out of range',
        '      ports: ["99999:80"]\n',
        'deployctl.yaml:22:15: apps.services.api.ports[0] has a host port outside 1-65535',
      ],
    ])('fails for %s', async (_name, extra, message) => {
      expect(await loadErrors(stack({ apps: extra }))).toEqual([message]);
    });

    it('treats a cleanup.protect glob that matches nothing as fine', async () => {
      const spec = await loadOk(
        stack({ tail: 'cleanup:\n  protect: ["legacy_*", "nothing_matches_this"]\n' }),
      );
      expect(spec.cleanup.protect).toEqual(['legacy_*', 'nothing_matches_this']);
    });
  });

  it('reports every problem at once, in file order', async () => {
    const errors = await loadErrors(
      stack({
        infra: '    cache:\n      image: redis:7\n      volumes: ["/data"]\n',
        apps: '    web:\n      image: shop/web:v1\n      networks: [nope]\n      depends_on: [ghost]\n',
      }),
      { deployId: 'no good' },
    );
    expect(errors.map((e) => e.split(' ')[0])).toEqual([
      'deployctl.yaml:',
      'deployctl.yaml:17:5:',
      'deployctl.yaml:27:18:',
      'deployctl.yaml:28:20:',
    ]);
  });
});
