/**
 * Engine.pullImage against a throwaway loopback registry: the image is absent before, present
 * after, and a missing tag fails as pull_failed with the registry's own words.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import { isEngineError } from '../../src/engine/engine-error.js';
import type { Engine } from '../../src/engine/port.js';
import { docker, uniqueProject } from './support/engine.js';
import type { LocalRegistry } from './support/registry.js';
import { startRegistry } from './support/registry.js';

const project = uniqueProject('pull');
// An empty CLI config dir: the pull is anonymous whatever the machine's ~/.docker holds.
const configDir = mkdtempSync(join(tmpdir(), 'deployctl-e2e-dockercfg-'));
const engine: Engine = connectEngine({ ...process.env, DOCKER_CONFIG: configDir });
let registry: LocalRegistry;
let ref = '';

beforeAll(async () => {
  registry = await startRegistry();
  ref = registry.push('deployctl-fixture/app:v2', `${project}/app:v2`);
});

afterAll(async () => {
  await registry?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

describe('pullImage', () => {
  it('pulls an absent image from the registry and reports progress', async () => {
    expect(await engine.listImages([ref])).toEqual([]);
    expect(await engine.inspectImage(ref)).toBeUndefined();

    const lines: string[] = [];
    await engine.pullImage(ref, (line) => lines.push(line));

    const listed = await engine.listImages([ref]);
    expect(listed.flatMap((i) => i.repoTags)).toContain(ref);
    const local = await docker.getImage('deployctl-fixture/app:v2').inspect();
    expect((await engine.inspectImage(ref))?.id).toBe(local.Id);
    expect(lines.some((l) => /Status: Downloaded newer image|Pull complete|Already exists/.test(l))).toBe(
      true,
    );
  });

  it('fails with pull_failed and the registry message for a tag that does not exist', async () => {
    const missing = `${registry.host}/${project}/app:no-such-tag`;
    const err = await engine.pullImage(missing).then(
      () => expect.unreachable('pull of a missing tag succeeded'),
      (e: unknown) => e,
    );
    expect(isEngineError(err, 'pull_failed')).toBe(true);
    expect((err as Error).message).toContain(`could not pull ${missing}`);
    expect((err as Error).message).toMatch(/manifest unknown|not found/);
  });

  it('sends the credentials from the docker CLI config (the registry ignores them; a bad config is reported)', async () => {
    writeFileSync(join(configDir, 'config.json'), '{ not json');
    const err = await engine.pullImage(ref).then(
      () => expect.unreachable('pull with an unreadable config succeeded'),
      (e: unknown) => e,
    );
    expect(isEngineError(err, 'pull_failed')).toBe(true);
    expect((err as Error).message).toContain(join(configDir, 'config.json'));

    const auth = Buffer.from('e2e-user:e2e-secret').toString('base64');
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
    await engine.pullImage(ref);
  });
});
