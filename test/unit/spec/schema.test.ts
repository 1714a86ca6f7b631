import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/errors.js';
import { loadSpec } from '../../../src/spec/load.js';
import { PROJECT_PATTERN } from '../../../src/spec/model.js';
import { readSchema, validateSchema } from '../../../src/spec/schema.js';
import { HEAD, loadErrors } from './helpers.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures/specs');

async function fixtureErrors(name: string): Promise<string[]> {
  const result = await loadSpec(name, { env: {}, cwd: fixtures });
  if (result.ok) throw new Error(`${name} loaded`);
  return result.issues.map(formatIssue);
}

type Json = Record<string, unknown>;

/** Every object schema in the document, with its JSON pointer. */
function objectSchemas(node: unknown, pointer = '#'): [string, Json][] {
  if (Array.isArray(node)) return node.flatMap((n, i) => objectSchemas(n, `${pointer}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  const json = node as Json;
  const own: [string, Json][] =
    json.type === 'object' || (Array.isArray(json.type) && json.type.includes('object'))
      ? [[pointer, json]]
      : [];
  return [...own, ...Object.entries(json).flatMap(([k, v]) => objectSchemas(v, `${pointer}/${k}`))];
}

describe('schemas/deployctl.schema.json', () => {
  const schema = readSchema();

  it('is a JSON Schema 2020-12 document with an $id and a title', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(/^https:\/\//);
    expect(schema.title).toMatch(/deployctl/);
  });

  it('describes every property (editors show the descriptions)', () => {
    const undocumented = objectSchemas(schema).flatMap(([pointer, s]) =>
      Object.entries((s.properties as Record<string, Json> | undefined) ?? {})
        .filter(([, p]) => typeof p.description !== 'string' || p.description.length < 10)
        .map(([name]) => `${pointer}/properties/${name}`),
    );
    expect(undocumented).toEqual([]);
  });

  it('refuses unknown keys everywhere: every mapping with properties has additionalProperties: false', () => {
    const open = objectSchemas(schema)
      .filter(([, s]) => s.properties !== undefined && s.additionalProperties !== false)
      .map(([pointer]) => pointer);
    expect(open).toEqual([]);
  });

  it('uses the same project pattern as the model', () => {
    const project = (schema.properties as Record<string, Json>).project;
    expect(project?.pattern).toBe(PROJECT_PATTERN.source);
  });

  it('has enums for restart, pull_policy and the database engine', () => {
    const service = ((schema.$defs as Record<string, Json>).service?.properties ?? {}) as Record<
      string,
      Json
    >;
    expect(service.restart?.enum).toEqual(['no', 'always', 'unless-stopped', 'on-failure']);
    expect(service.pull_policy?.enum).toEqual(['missing', 'always', 'never']);
    expect(((service.database?.properties as Record<string, Json>).engine as Json).enum).toEqual([
      'postgres',
    ]);
  });

  it('validates plain data and returns ajv errors for bad data', () => {
    expect(validateSchema({ version: 1, project: 'ok' })).toEqual([]);
    expect(validateSchema({ version: 1 }).map((e) => e.keyword)).toEqual(['required']);
  });
});

describe('schema errors, located at the offending node', () => {
  it('points an unknown key at the key itself, as file:line:col: path has unknown key', async () => {
    const errors = await fixtureErrors('unknown-key.yaml');
    expect(errors).toEqual([
      'unknown-key.yaml:14:7: apps.services.api has unknown key "portz"; did you mean "ports"?',
    ]);
  });

  it('names the expected type at the value', async () => {
    expect(await fixtureErrors('wrong-type.yaml')).toEqual([
      'wrong-type.yaml:9:13: apps.services.api.init must be true or false',
      'wrong-type.yaml:10:14: apps.services.api.ports must be a list',
      'wrong-type.yaml:13:18: apps.services.api.healthcheck.retries must be a whole number',
    ]);
  });

  it('reports missing required keys on the mapping that lacks them', async () => {
    expect(await fixtureErrors('missing-required.yaml')).toEqual([
      'missing-required.yaml:2:1: the file is missing required key "project"',
      'missing-required.yaml:6:5: apps.services.api is missing required key "image"',
    ]);
  });

  it('explains Compose keys deployctl does not support instead of calling them unknown', async () => {
    const errors = await fixtureErrors('compose-keys.yaml');
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(
      /^compose-keys\.yaml:9:7: apps\.services\.api has key "build", which is not supported: deployctl deploys images that already exist/,
    );
    expect(errors[1]).toMatch(
      /^compose-keys\.yaml:11:9: apps\.services\.api\.deploy has key "replicas", which is a Swarm setting: deployctl runs one container per service on one host; only deploy\.resources/,
    );
    expect(errors[2]).toMatch(
      /^compose-keys\.yaml:12:7: apps\.services\.api has key "scale", which is not supported: an app service runs one container per generation/,
    );
    expect(errors[3]).toMatch(
      /^compose-keys\.yaml:13:7: apps\.services\.api has key "links", which is not supported/,
    );
  });

  it('gives one message per node for oneOf values, from the branch that matches the value type', async () => {
    const errors = await loadErrors(`${HEAD}apps:
  services:
    api:
      image: x
      ports: ["8080:80", {target: 80, mode: host}, true, "80-90:80-90", "99999:80"]
      environment: {A: [1]}
      stop_grace_period: 10x
`);
    expect(errors).toEqual([
      'deployctl.yaml:7:39: apps.services.api.ports[1] has key "mode", which is a Compose key deployctl does not support',
      'deployctl.yaml:7:52: apps.services.api.ports[2] must be a port like "8080:80", "127.0.0.1:8080:80" or "80/udp", a port number, or a mapping with target',
      'deployctl.yaml:7:58: apps.services.api.ports[3] must be a port like "80", "8080:80", "127.0.0.1:8080:80" or "8080:80/udp" (port ranges are not supported)',
      'deployctl.yaml:8:24: apps.services.api.environment.A must be a string, a number, true/false, or empty to take the value from the environment',
      'deployctl.yaml:9:26: apps.services.api.stop_grace_period must be a duration like 30s, 1m30s, 500ms, 1h or 14d (a plain number means seconds)',
    ]);
  });

  it('reports enums, constants, patterns, limits and duplicates with what is allowed', async () => {
    const errors = await loadErrors(`version: 2
project: Shop_Web
apps:
  services:
    api:
      image: x
      restart: sometimes
      pull_policy: if_not_present
      networks: [a, a]
cleanup:
  keep_generations: -1
backups:
  keep: 0
secrets: [1BAD]
`);
    expect(errors).toEqual([
      'deployctl.yaml:1:10: version must be 1, the only spec format version',
      'deployctl.yaml:2:10: project must be lowercase letters, digits, _ and -, starting with a letter or digit (e.g. sancho)',
      'deployctl.yaml:7:16: apps.services.api.restart must be one of "no", "always", "unless-stopped", "on-failure"',
      'deployctl.yaml:8:20: apps.services.api.pull_policy must be one of "missing", "always", "never"',
      'deployctl.yaml:9:17: apps.services.api.networks lists "a" more than once; remove the repeat',
      'deployctl.yaml:11:21: cleanup.keep_generations must be at least 0',
      'deployctl.yaml:13:9: backups.keep must be at least 1',
      'deployctl.yaml:14:11: secrets[0] must be a variable name (letters, digits and _, not starting with a digit)',
    ]);
  });

  it('points a bad resource or service name at the key', async () => {
    const errors = await loadErrors(`${HEAD}infra:
  volumes:
    "bad volume": {}
apps:
  services:
    _api:
      image: x
`);
    expect(errors).toEqual([
      'deployctl.yaml:5:5: infra.volumes["bad volume"] is not a valid name: use letters, digits, _, . and -, starting with a letter or digit',
      'deployctl.yaml:8:5: apps.services._api is not a valid service name: use letters, digits, _, . and -, starting with a letter or digit',
    ]);
  });

  it('tells a user who pasted a whole Compose file where services go', async () => {
    const errors = await loadErrors(`${HEAD}services:\n  web:\n    image: x\n`);
    expect(errors).toEqual([
      'deployctl.yaml:3:1: the file has key "services", which is not used by deployctl: services go under infra.services (persistent, fixed container_name) or apps.services (disposable, one generation per deploy id); move each one under the right one',
    ]);
  });

  it('groups several missing keys of one mapping into one message', async () => {
    const errors = await loadErrors(`${HEAD}infra:
  services:
    db:
      image: x
      container_name: shop_db
      database: {engine: postgres}
`);
    expect(errors).toEqual([
      'deployctl.yaml:8:7: infra.services.db.database is missing required keys "name" and "user"',
    ]);
  });

  it('accepts x- extension fields at the top level and in services, nowhere else', async () => {
    const errors = await loadErrors(`${HEAD}x-anything: {free: form}
apps:
  services:
    api:
      image: x
      x-note: hi
      healthcheck: {test: [CMD, 'true'], x-other: 1}
`);
    expect(errors).toEqual(['deployctl.yaml:9:42: apps.services.api.healthcheck has unknown key "x-other"']);
  });
});
