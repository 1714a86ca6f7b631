import { DeployctlError, InterruptedError } from '../errors.js';
import type { ContainerDetail, Engine } from '../engine/port.js';
import type { Clock } from '../util/clock.js';
import { formatDuration } from '../util/clock.js';

export interface WaitTarget {
  /** Container id or name. */
  container: string;
  /** Service name, for messages. */
  service: string;
  /** How long to wait before giving up. */
  timeoutMs: number;
}

const POLL_MS = 500;
/** Without a healthcheck a container counts as up once it has kept running this long. */
const SETTLE_MS = 1500;

/**
 * Waits until the container is healthy (Docker healthcheck) or, without one, has stayed running
 * for a moment. Fails fast when it exits or Docker marks it unhealthy, with the last health
 * output and log lines, because "timed out" alone sends people digging.
 */
export async function waitHealthy(
  engine: Engine,
  target: WaitTarget,
  clock: Clock,
  signal?: AbortSignal,
): Promise<ContainerDetail> {
  const started = clock.now();
  let runningSince: number | undefined;
  for (;;) {
    if (signal?.aborted) throw new InterruptedError(`interrupted while waiting for ${target.service}`);
    const detail = await engine.inspectContainer(target.container);
    if (!detail) throw await failure(engine, target, undefined, 'disappeared while starting');
    if (detail.state === 'exited' || detail.state === 'dead') {
      throw await failure(engine, target, detail, `exited with code ${detail.exitCode ?? 'unknown'}`);
    }
    if (detail.health === 'healthy') return detail;
    if (detail.health === 'unhealthy')
      throw await failure(engine, target, detail, 'was marked unhealthy by its healthcheck');
    if (detail.health === undefined && detail.state === 'running') {
      // Already up for a while (an untouched infra container): no need to watch it settle.
      // The injected clock, not Date.now(): with a test clock, real time would call anything settled.
      if (detail.startedAt !== undefined && clock.now() - detail.startedAt >= SETTLE_MS) return detail;
      runningSince ??= clock.now();
      if (clock.now() - runningSince >= SETTLE_MS) return detail;
    } else {
      runningSince = undefined;
    }
    if (clock.now() - started >= target.timeoutMs) {
      const what = detail.health ? `health still "${detail.health}"` : `state "${detail.state}"`;
      throw await failure(
        engine,
        target,
        detail,
        `did not become healthy within ${formatDuration(target.timeoutMs)} (${what})`,
      );
    }
    await clock.sleep(POLL_MS, signal);
  }
}

async function failure(
  engine: Engine,
  target: WaitTarget,
  detail: ContainerDetail | undefined,
  what: string,
): Promise<DeployctlError> {
  const health = detail?.lastHealthOutput?.trim();
  const logs = detail ? (await engine.containerLogs(detail.id, 15).catch(() => '')).trim() : '';
  const parts = [`${target.service} (${detail?.name ?? target.container}) ${what}.`];
  if (health) parts.push(`Last healthcheck output: ${oneLine(health)}.`);
  if (logs) parts.push(`Last log lines:\n${indent(logs)}`);
  return new DeployctlError('CONTAINER_UNHEALTHY', parts.join(' '), {
    data: { service: target.service, container: detail?.name ?? target.container },
  });
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function indent(text: string): string {
  return text
    .split('\n')
    .slice(-15)
    .map((l) => `    ${l}`)
    .join('\n');
}
