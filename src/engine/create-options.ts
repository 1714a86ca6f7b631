import type Docker from 'dockerode';
import type { Healthcheck } from '../spec/model.js';
import type { ContainerDefinition } from './port.js';
import { toSettingsOptions } from './settings-options.js';

const NS_PER_MS = 1_000_000;

function toHealthConfig(h: Healthcheck): Docker.HealthConfig {
  const cfg: Docker.HealthConfig = { Test: h.test };
  // The engine takes durations in nanoseconds; 0 would mean "inherit", so unset stays unset.
  if (h.intervalMs !== undefined) cfg.Interval = h.intervalMs * NS_PER_MS;
  if (h.timeoutMs !== undefined) cfg.Timeout = h.timeoutMs * NS_PER_MS;
  if (h.startPeriodMs !== undefined) cfg.StartPeriod = h.startPeriodMs * NS_PER_MS;
  if (h.retries !== undefined) cfg.Retries = h.retries;
  return cfg;
}

function toPorts(def: ContainerDefinition): {
  exposed: Record<string, object>;
  bindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of def.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    // An empty HostPort asks the engine for a random free port, as `-p 8000` does.
    (bindings[key] ??= []).push({
      HostIp: p.hostIp ?? '',
      HostPort: p.hostPort === undefined ? '' : String(p.hostPort),
    });
  }
  return { exposed, bindings };
}

/**
 * Maps an engine-neutral definition to the Engine API create body. Only the first network goes
 * here: API 1.41 accepts a single endpoint at create, the rest are connected before start.
 */
export function toCreateOptions(def: ContainerDefinition): Docker.ContainerCreateOptions {
  const { exposed, bindings } = toPorts(def);
  const settings = toSettingsOptions(def.settings);
  // `expose:` ports are exposed (to other containers), not published.
  for (const port of def.settings?.expose ?? []) exposed[port] ??= {};
  const first = def.networks[0];
  const hostConfig: Docker.HostConfig = {
    ...settings.hostConfig,
    PortBindings: bindings,
    Mounts: def.mounts.map((m) => ({
      Type: m.type,
      Source: m.source,
      Target: m.target,
      ReadOnly: m.readOnly,
    })),
  };
  if (def.restart) hostConfig.RestartPolicy = { Name: def.restart };
  if (def.init !== undefined) hostConfig.Init = def.init;
  if (first) hostConfig.NetworkMode = first.name;

  const opts: Docker.ContainerCreateOptions = {
    name: def.name,
    Image: def.image,
    Env: Object.entries(def.env).map(([k, v]) => `${k}=${v}`),
    Labels: def.labels,
    ExposedPorts: exposed,
    HostConfig: hostConfig,
    ...settings.config,
  };
  // dockerode sends the top-level fields as the query string too: `platform` is read from there.
  if (settings.platform !== undefined) (opts as Record<string, unknown>).platform = settings.platform;
  if (def.command) opts.Cmd = def.command;
  if (def.entrypoint) opts.Entrypoint = def.entrypoint;
  if (def.healthcheck) opts.Healthcheck = toHealthConfig(def.healthcheck);
  if (def.user !== undefined) opts.User = def.user;
  if (def.workingDir !== undefined) opts.WorkingDir = def.workingDir;
  if (def.stopSignal !== undefined) opts.StopSignal = def.stopSignal;
  if (def.stopGracePeriodMs !== undefined) opts.StopTimeout = Math.ceil(def.stopGracePeriodMs / 1000);
  if (first) opts.NetworkingConfig = { EndpointsConfig: { [first.name]: { Aliases: first.aliases } } };
  return opts;
}
