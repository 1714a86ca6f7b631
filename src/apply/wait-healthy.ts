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
  /**
   * Runs the service's own healthcheck once (see health-probe.ts). While the engine still says
   * `starting`, a pass opens the gate early; a failure only means "not yet".
   */
  probe?: () => Promise<boolean>;
}

const POLL_MS = 500;
/** A failed probe is retried after this, then after twice as long each time, up to the maximum. */
const PROBE_FIRST_DELAY_MS = 250;
const PROBE_MAX_DELAY_MS = 4000;
/** Without a healthcheck a container counts as up once it has kept running this long. */
const SETTLE_MS = 1500;

/**
 * Waits until the container is healthy (Docker healthcheck) or, without one, has stayed running
 * for a moment. Fails fast when it exits or Docker marks it unhealthy, with the last health
 * output and log lines, because "timed out" alone sends people digging.
 *
 * With a `probe`, the healthcheck also runs as soon as the container runs, and a pass while the
 * engine still says `starting` ends the wait (the result has `healthProbed`). Failing stays the
 * engine's call (`unhealthy` after its retries, an exit, or the timeout), so the gate is as strict
 * as before and only its opening comes sooner.
 */
export async function waitHealthy(
  engine: Engine,
  target: WaitTarget,
  clock: Clock,
  signal?: AbortSignal,
): Promise<ContainerDetail> {
  const started = clock.now();
  let runningSince: number | undefined;
  let nextProbe = started;
  let probeDelay = PROBE_FIRST_DELAY_MS;
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
    if (
      detail.health === 'starting' &&
      detail.state === 'running' &&
      target.probe &&
      clock.now() >= nextProbe
    ) {
      if (await target.probe()) return { ...detail, healthProbed: true };
      // Each probe is an exec in the container: back off for a slow starter, as the engine would.
      nextProbe = clock.now() + probeDelay;
      probeDelay = Math.min(probeDelay * 2, PROBE_MAX_DELAY_MS);
    }
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
    // A probe due sooner than the next look is not kept waiting for it.
    const probing = target.probe !== undefined && detail.health === 'starting';
    await clock.sleep(probing ? Math.max(0, Math.min(POLL_MS, nextProbe - clock.now())) : POLL_MS, signal);
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
