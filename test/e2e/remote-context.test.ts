/**
 * Docker contexts on the real engine: a context (stored as `docker context create` stores it)
 * pointing at the local socket wins when named with --context, even over a DOCKER_HOST that
 * leads nowhere; an unknown context is refused, listing those there are.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployctl, writeSpec } from './support/cli.js';
import { uniqueProject } from './support/engine.js';

let config: string;
let specPath: string;

beforeAll(async () => {
  config = await mkdtemp(join(tmpdir(), 'deployctl-e2e-ctx-'));
  const meta = join(config, 'contexts', 'meta', createHash('sha256').update('e2e-local').digest('hex'));
  await mkdir(meta, { recursive: true });
  await writeFile(
    join(meta, 'meta.json'),
    JSON.stringify({
      Name: 'e2e-local',
      Metadata: {},
      Endpoints: { docker: { Host: 'unix:///var/run/docker.sock', SkipTLSVerify: false } },
    }),
  );
  const p = uniqueProject('ctx');
  specPath = await writeSpec(`version: 1
project: ${p}
infra:
  networks:
    ${p}_net: {}
apps:
  services:
    web:
      image: deployctl-fixture/app:v1
      networks: [${p}_net]
`);
});

const plan = (args: string[], env: Record<string, string | undefined>) =>
  deployctl(['plan', ...args, '--file', specPath], {
    cwd: dirname(specPath),
    env: { DOCKER_CONFIG: config, ...env },
  });

describe('docker contexts', () => {
  it('--context wins over DOCKER_HOST and names the context on the first line and in --json', async () => {
    const run = await plan(['--context', 'e2e-local', '--json'], { DOCKER_HOST: 'tcp://127.0.0.1:1' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.split('\n')[0]).toMatch(
      /^Engine: unix:\/\/\/var\/run\/docker\.sock \(docker context e2e-local\), Docker \S+$/,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      engine: { endpoint: 'unix:///var/run/docker.sock', context: 'e2e-local' },
    });
  });

  it('DOCKER_CONTEXT naming an unknown context: exit 1, the contexts listed, no stack', async () => {
    const run = await plan([], { DOCKER_HOST: undefined, DOCKER_CONTEXT: 'nowhere' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[ENGINE_UNREACHABLE]');
    expect(run.stderr).toContain('there is no docker context named "nowhere"');
    expect(run.stderr).toContain('(contexts: default, e2e-local)');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
