import type Docker from 'dockerode';
import { toEngineError } from './engine-failure.js';
import { libpodGet } from './podman-api.js';

/** Docker's default healthcheck interval, which Podman shares. */
const DEFAULT_INTERVAL_MS = 30_000;

/**
 * Podman runs healthchecks from systemd timers. Where there is no systemd (containers, CI
 * runners, minimal hosts) nothing ever runs them and a container's health stays `starting`
 * for good. This plays the timer's part while deployctl is looking: when a container's health
 * is read and a check is due (its interval has passed since it started or since the last
 * check this run made), Podman is asked to run the check now (`/libpod/containers/ID/healthcheck`,
 * what `podman healthcheck run` does). Podman itself applies retries and the start period, so
 * `healthy` and `unhealthy` mean what they mean on Docker; between checks the state is
 * Podman's last verdict.
 */
export class PodmanHealthTimer {
  private readonly lastRun = new Map<string, number>();

  constructor(
    private readonly docker: Docker,
    private readonly endpoint: string,
  ) {}

  /** Runs the container's healthcheck if one is due; true when it ran. */
  async runIfDue(c: Docker.ContainerInspectInfo): Promise<boolean> {
    if (c.State?.Status !== 'running' || !c.State.Health) return false;
    const intervalNs = c.Config?.Healthcheck?.Interval ?? 0;
    const intervalMs = intervalNs > 0 ? intervalNs / 1e6 : DEFAULT_INTERVAL_MS;
    const startedAt = Date.parse(c.State.StartedAt);
    const since = this.lastRun.get(c.Id) ?? (Number.isNaN(startedAt) ? 0 : startedAt);
    if (Date.now() - since < intervalMs) return false;
    this.lastRun.set(c.Id, Date.now());
    try {
      // 409: stopped meanwhile or no healthcheck after all; the next inspect tells.
      await libpodGet(this.docker, `/containers/${encodeURIComponent(c.Id)}/healthcheck`, {
        200: true,
        404: 'no such container',
        409: true,
        500: 'server error',
      });
    } catch (err) {
      throw toEngineError(err, {
        action: `run the healthcheck of container ${c.Name.replace(/^\//, '')}`,
        endpoint: this.endpoint,
      });
    }
    return true;
  }
}
