import type Docker from 'dockerode';
import type { ContainerDetail, ContainerInfo, ContainerState, HealthStatus } from './port.js';

const STATES = new Set<ContainerState>([
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
]);

function toState(raw: string | undefined): ContainerState {
  const s = (raw ?? '').toLowerCase() as ContainerState;
  return STATES.has(s) ? s : 'dead';
}

/**
 * Health as the list call shows it, at the end of the Status text: "Up 3 minutes (healthy)",
 * "Up 2 seconds (health: starting)", "Up 1 hour (unhealthy)". Saves an inspect per container.
 */
export function parseHealthFromStatus(status: string | undefined): HealthStatus | undefined {
  const m = /\((healthy|unhealthy|health: starting)\)\s*$/.exec(status ?? '');
  if (!m) return undefined;
  return m[1] === 'health: starting' ? 'starting' : (m[1] as HealthStatus);
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

/**
 * The list call names a container once per link alias too (`/other/alias`); its own name is
 * the one without a second slash.
 */
function primaryName(names: string[] | undefined): string {
  const own = (names ?? []).find((n) => stripSlash(n).indexOf('/') === -1) ?? names?.[0] ?? '';
  return stripSlash(own);
}

export function toContainerInfo(c: Docker.ContainerInfo): ContainerInfo {
  const state = toState(c.State);
  const health = state === 'running' ? parseHealthFromStatus(c.Status) : undefined;
  const info: ContainerInfo = {
    id: c.Id,
    name: primaryName(c.Names),
    image: c.Image,
    imageId: c.ImageID,
    labels: c.Labels ?? {},
    state,
    createdAt: c.Created * 1000,
    volumeNames: (c.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name as string),
  };
  if (health) info.health = health;
  return info;
}

/** Go's zero time ("0001-01-01T00:00:00Z") means "never". */
function parseTime(raw: string | undefined): number | undefined {
  if (!raw || raw.startsWith('0001-')) return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}

export function toContainerDetail(c: Docker.ContainerInspectInfo): ContainerDetail {
  const state = toState(c.State?.Status);
  const healthRaw = c.State?.Health?.Status;
  const log = c.State?.Health?.Log ?? [];
  const detail: ContainerDetail = {
    id: c.Id,
    name: stripSlash(c.Name),
    image: c.Config?.Image ?? '',
    imageId: c.Image,
    labels: c.Config?.Labels ?? {},
    state,
    createdAt: parseTime(c.Created) ?? 0,
    volumeNames: (c.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name as string),
    restartCount: c.RestartCount ?? 0,
    restartPolicy: c.HostConfig?.RestartPolicy?.Name || 'no',
  };
  if (
    state === 'running' &&
    (healthRaw === 'starting' || healthRaw === 'healthy' || healthRaw === 'unhealthy')
  ) {
    detail.health = healthRaw;
  }
  if (state === 'exited' || state === 'dead' || state === 'restarting') detail.exitCode = c.State.ExitCode;
  const last = log[log.length - 1];
  if (last) detail.lastHealthOutput = last.Output;
  const startedAt = parseTime(c.State?.StartedAt);
  if (startedAt !== undefined) detail.startedAt = startedAt;
  return detail;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A `*` glob as a regex for the engine's `name` filter. The engine matches unanchored against
 * the name both with and without its leading slash, so anchor both ends and allow the slash.
 */
export function globToNameRegex(glob: string): string {
  return `^/?${glob.split('*').map(escapeRegex).join('.*')}$`;
}

/** The same glob, matched locally (the engine's regex dialect is RE2; ours must agree). */
export function matchesGlob(name: string, glob: string): boolean {
  return new RegExp(globToNameRegex(glob)).test(name);
}
