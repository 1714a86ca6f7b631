/**
 * `deployctl logs SERVICE`: the log of the live generation's container of an app service, or of
 * an infra service's container, through the engine port. Reads only, takes no lock.
 */
import type { Writable } from 'node:stream';
import { DeployctlError } from '../errors.js';
import type { ContainerInfo, Engine } from '../engine/port.js';
import { appContainerName, type Spec } from '../spec/model.js';
import { liveGeneration } from '../status/report.js';

export interface LogTarget {
  service: string;
  role: 'infra' | 'app';
  container: ContainerInfo;
  /** The app generation the container belongs to; undefined for infra. */
  generation?: string;
}

/** Finds SERVICE's container with one list call; unknown or absent services are errors that list the others. */
export async function findLogTarget(engine: Engine, spec: Spec, service: string): Promise<LogTarget> {
  const infra = spec.infra.services.find((s) => s.name === service);
  const app = spec.apps.services.find((s) => s.name === service);
  if (!infra && !app) {
    const names = [...spec.infra.services, ...spec.apps.services].map((s) => s.name);
    throw new DeployctlError(
      'BAD_ARGUMENT',
      `"${service}" is not a service of ${spec.project}; nothing was read. Services: ${names.join(', ') || '(none)'}.`,
    );
  }
  const containers = await listForLogs(engine, spec);
  if (infra) {
    const name = infra.containerName ?? infra.name;
    const c = containers.find((x) => x.name === name);
    if (!c)
      throw new DeployctlError(
        'NO_CONTAINER',
        `infra service "${service}" has no container (${name} does not exist); nothing was read. \`deployctl apply\` creates it.`,
      );
    return { service, role: 'infra', container: c };
  }
  const live = liveGeneration(spec, containers);
  const name = live ? appContainerName(spec.project, service, live.deployId) : undefined;
  const c = live?.containers.find((x) => x.name === name);
  if (!live || !c)
    throw new DeployctlError(
      'NO_CONTAINER',
      live
        ? `the live generation ${live.deployId} of ${spec.project} has no container for app "${service}"; nothing was read. \`deployctl apply\` deploys it.`
        : `no generation of ${spec.project}'s apps exists, so app "${service}" has no log; nothing was read. \`deployctl apply\` deploys one.`,
    );
  return { service, role: 'app', container: c, generation: live.deployId };
}

function listForLogs(engine: Engine, spec: Spec): Promise<ContainerInfo[]> {
  return engine.listContainers({
    project: spec.project,
    nameGlobs: spec.infra.services.map((s) => s.containerName ?? s.name),
  });
}

export interface LogsOptions {
  stdout: Writable;
  stderr: Writable;
  follow: boolean;
  tail?: number;
  /** Epoch milliseconds. */
  since?: number;
  signal?: AbortSignal;
}

/**
 * Streams the target's log. With `follow`, returns when Ctrl+C aborts `signal` (undefined), or
 * when the container stops or goes away: then a sentence saying what happened to it and what
 * serves now, for stderr, so a follow never ends silently.
 */
export async function streamServiceLogs(
  engine: Engine,
  spec: Spec,
  target: LogTarget,
  opts: LogsOptions,
): Promise<string | undefined> {
  const detail = await engine.inspectContainer(target.container.id);
  // Gone between the list and now (a deploy or down ran meanwhile): say so, as a follow would.
  if (!detail) return whatHappened(engine, spec, target);
  await engine.streamLogs(target.container.id, {
    stdout: opts.stdout,
    stderr: opts.stderr,
    follow: opts.follow,
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(detail?.tty ? { tty: true } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!opts.follow || opts.signal?.aborted) return undefined;
  return whatHappened(engine, spec, target);
}

async function whatHappened(engine: Engine, spec: Spec, target: LogTarget): Promise<string> {
  const name = target.container.name;
  const now = await engine.inspectContainer(target.container.id);
  const fate = !now
    ? `${name} was removed`
    : `${name} stopped (${now.state}${now.exitCode !== undefined ? `, exit code ${now.exitCode}` : ''})`;
  if (target.role === 'infra') {
    return `${fate}; the log ended there. Infra service "${target.service}" is not running: \`deployctl status\` says more, \`deployctl apply\` starts it.`;
  }
  const live = liveGeneration(spec, await listForLogs(engine, spec));
  if (live && live.deployId !== target.generation) {
    const next = appContainerName(spec.project, target.service, live.deployId);
    return `${fate}: it was replaced by a deploy, the live generation is now ${live.deployId} (${next}). Follow it with \`deployctl logs ${target.service} -f\`.`;
  }
  return `${fate}, and no newer generation of ${spec.project} runs; the log ended there. \`deployctl status\` says more.`;
}
