/**
 * Compose `extends` details: a service that only extends another is valid in the editor schema
 * (its image comes from the base), and `volumes` / `devices` merge by the path inside the
 * container, the extending service's entry winning, as Compose merges them.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Spec } from '../../../src/spec/model.js';
import { validateSchema } from '../../../src/spec/schema.js';
import { HEAD, loadErrors, loadOk } from './helpers.js';

const svc = (spec: Spec, name: string) => {
  const found = [...spec.infra.services, ...spec.apps.services].find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
};

describe('extends in the JSON Schema (what an editor checks, before extends is resolved)', () => {
  it('accepts a service with extends and no image', () => {
    const raw = parse(`${HEAD}apps:
  services:
    base: { image: shop/api:v1 }
    worker: { extends: base, command: ["work"] }
    other: { extends: { service: base, file: common.yml } }
`) as unknown;
    expect(validateSchema(raw)).toEqual([]);
  });

  it('still requires image on a service without extends', async () => {
    const raw = parse(`${HEAD}apps:\n  services:\n    worker: { command: ["work"] }\n`) as unknown;
    expect(validateSchema(raw).map((e) => [e.keyword, e.params])).toContainEqual([
      'required',
      { missingProperty: 'image' },
    ]);
    expect(await loadErrors(`${HEAD}apps:\n  services:\n    worker: { command: ["work"] }\n`)).toEqual([
      'deployctl.yaml:5:5: apps.services.worker is missing required key "image"',
    ]);
  });
});

describe('extends merges volumes and devices by container path', () => {
  it('an entry at the same path replaces the base one; other entries of both stay', async () => {
    const spec = await loadOk(`${HEAD}infra:
  volumes: { data: {}, other: {} }
apps:
  services:
    base:
      image: shop/api:v1
      volumes: ["data:/data", "/srv/cache:/cache:ro", { type: volume, source: data, target: /long }]
      devices: ["/dev/null:/dev/xnull", "/dev/random"]
    worker:
      extends: base
      volumes: ["other:/data", { type: bind, source: /srv/long, target: /long }, "/srv/logs:/logs"]
      devices: ["/dev/zero:/dev/xnull:r"]
`);
    const mounts = svc(spec, 'worker').mounts.map((m) => [
      m.target,
      m.type === 'volume' ? m.name : m.type === 'anonymous' ? '' : m.source,
    ]);
    expect(mounts.sort()).toEqual(
      [
        ['/cache', '/srv/cache'],
        ['/data', 'other'],
        ['/logs', '/srv/logs'],
        ['/long', '/srv/long'],
      ].sort(),
    );
    const devices = svc(spec, 'worker').settings?.devices?.map((d) => [
      d.pathInContainer,
      d.pathOnHost,
      d.permissions,
    ]);
    expect(devices?.sort()).toEqual(
      [
        ['/dev/random', '/dev/random', 'rwm'],
        ['/dev/xnull', '/dev/zero', 'r'],
      ].sort(),
    );
    // The base itself is untouched.
    expect(
      svc(spec, 'base')
        .mounts.map((m) => m.target)
        .sort(),
    ).toEqual(['/cache', '/data', '/long']);
  });
});
