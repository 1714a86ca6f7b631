import { beforeEach, describe, expect, it } from 'vitest';
import { waitHealthy } from '../../../src/apply/wait-healthy.js';
import { DeployctlError } from '../../../src/errors.js';
import type { ContainerDefinition } from '../../../src/engine/port.js';
import { FakeEngine } from '../../support/fake-engine.js';
import { FakeClock } from './harness.js';

const IMAGE = 'example/app:1';

function def(name: string, withHealthcheck: boolean): ContainerDefinition {
  return {
    name,
    image: IMAGE,
    env: {},
    labels: {},
    ports: [],
    mounts: [],
    networks: [],
    ...(withHealthcheck ? { healthcheck: { test: ['CMD', 'true'] } } : {}),
  };
}

async function failureOf(p: Promise<unknown>): Promise<DeployctlError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeployctlError);
  return err as DeployctlError;
}

describe('waitHealthy', () => {
  let clock: FakeClock;
  let engine: FakeEngine;
  const target = (container: string, timeoutMs = 30_000) => ({ container, service: 'api', timeoutMs });

  beforeEach(() => {
    clock = new FakeClock();
    engine = new FakeEngine({ now: () => clock.now() });
    engine.addImage(IMAGE);
  });

  async function started(name: string, withHealthcheck = true): Promise<string> {
    const id = await engine.createContainer(def(name, withHealthcheck));
    await engine.startContainer(id);
    return id;
  }

  it('GIVEN a healthcheck that passes on the third look WHEN waiting THEN it returns the healthy container', async () => {
    engine.setHealthSequence('api_1', ['starting', 'starting', 'healthy']);
    const id = await started('api_1');
    const detail = await waitHealthy(engine, target(id), clock);
    expect(detail.health).toBe('healthy');
    expect(clock.slept()).toBe(1000);
  });

  it('GIVEN no healthcheck WHEN the container keeps running THEN it counts as up only after it settled for 1.5 s', async () => {
    const id = await started('api_1', false);
    const detail = await waitHealthy(engine, target(id), clock);
    expect(detail.state).toBe('running');
    expect(clock.slept()).toBeGreaterThanOrEqual(1500);
    expect(clock.slept()).toBeLessThan(3000);
  });

  it('GIVEN no healthcheck WHEN the process dies during the settle time THEN it fails, not counted as up', async () => {
    const id = await started('api_1', false);
    clock.after(600, () => void engine.stopContainer(id, 0));
    engine.stopExitCode = 2;
    const err = await failureOf(waitHealthy(engine, target(id), clock));
    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.message).toContain('exited with code 2');
  });

  it('GIVEN a container whose process exits at once WHEN waiting THEN it fails fast with its last log lines', async () => {
    engine.failStart('api_1', 1, 'listening…\nFATAL: DATABASE_URL is not set\n');
    const id = await started('api_1');
    const err = await failureOf(waitHealthy(engine, target(id), clock));
    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('api (api_1) exited with code 1.');
    expect(err.message).toContain('Last log lines:');
    expect(err.message).toContain('    FATAL: DATABASE_URL is not set');
    expect(err.data).toMatchObject({ service: 'api', container: 'api_1' });
    expect(clock.slept()).toBe(0);
  });

  it('GIVEN a healthcheck that fails WHEN Docker marks it unhealthy THEN it fails with the health output, without waiting for the timeout', async () => {
    engine.unhealthy('api_1', 'wget: server returned error: HTTP/1.1 404 Not Found');
    const id = await started('api_1');
    const err = await failureOf(waitHealthy(engine, target(id, 600_000), clock));
    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.message).toContain('api (api_1) was marked unhealthy by its healthcheck.');
    expect(err.message).toContain(
      'Last healthcheck output: wget: server returned error: HTTP/1.1 404 Not Found.',
    );
    expect(clock.slept()).toBeLessThan(5000);
  });

  it('GIVEN a container that stays "starting" WHEN the timeout passes THEN it fails saying how long it waited and the last status', async () => {
    engine.setHealthSequence('api_1', ['starting']);
    const id = await started('api_1');
    const err = await failureOf(waitHealthy(engine, target(id, 5000), clock));
    expect(err.code).toBe('CONTAINER_UNHEALTHY');
    expect(err.message).toContain('did not become healthy within 5.0s (health still "starting")');
    expect(clock.slept()).toBeGreaterThanOrEqual(5000);
    expect(clock.slept()).toBeLessThan(6000);
  });

  it('GIVEN a container removed while starting WHEN waiting THEN it fails saying it disappeared', async () => {
    engine.setHealthSequence('api_1', ['starting']);
    const id = await started('api_1');
    clock.after(1000, () => void engine.removeContainer(id, { force: true }));
    const err = await failureOf(waitHealthy(engine, target(id), clock));
    expect(err.message).toContain('disappeared while starting');
  });

  it('GIVEN Ctrl+C while waiting WHEN the signal aborts THEN it stops with INTERRUPTED (exit 130)', async () => {
    engine.setHealthSequence('api_1', ['starting']);
    const id = await started('api_1');
    const controller = new AbortController();
    clock.after(2000, () => controller.abort());
    const err = await failureOf(waitHealthy(engine, target(id, 600_000), clock, controller.signal));
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
    expect(clock.slept()).toBeLessThan(3000);
  });

  it('GIVEN a probe that passes on its second run WHEN the engine still says starting THEN it returns healthProbed, after backing off', async () => {
    engine.setHealthSequence('api_1', ['starting']);
    const id = await started('api_1');
    let runs = 0;
    const detail = await waitHealthy(
      engine,
      { ...target(id), probe: () => Promise.resolve(++runs >= 2) },
      clock,
    );
    expect(detail).toMatchObject({ health: 'starting', healthProbed: true });
    expect(runs).toBe(2);
    expect(clock.slept()).toBe(250); // the second probe is due after 250 ms, not at the next 500 ms look
  });

  it('GIVEN a probe that keeps failing WHEN the engine turns healthy THEN the engine opens the gate, and probes back off', async () => {
    engine.setHealthSequence('api_1', [
      'starting',
      'starting',
      'starting',
      'starting',
      'starting',
      'starting',
      'healthy',
    ]);
    const id = await started('api_1');
    let runs = 0;
    const detail = await waitHealthy(
      engine,
      { ...target(id), probe: () => Promise.resolve(++runs < 0) },
      clock,
    );
    expect(detail.health).toBe('healthy');
    expect(detail.healthProbed).toBeUndefined();
    // Looks at 0, 250, 750, 1250, 1750, 2250 and 2750 (healthy); probes 250, 500, 1000 and
    // 2000 ms apart: at 0, 250, 750 and 1750 only.
    expect(runs).toBe(4);
    expect(clock.slept()).toBe(2750);
  });

  it('GIVEN a passing probe WHEN the engine already said unhealthy THEN it fails: the engine has the last word', async () => {
    engine.setHealthSequence('api_1', ['unhealthy'], 'HTTP 500');
    const id = await started('api_1');
    const err = await failureOf(
      waitHealthy(engine, { ...target(id), probe: () => Promise.resolve(true) }, clock),
    );
    expect(err.code).toBe('CONTAINER_UNHEALTHY');
  });
});
