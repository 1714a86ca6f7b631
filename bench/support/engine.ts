/**
 * What the benchmark itself asks of the engine, straight through dockerode (not through
 * deployctl, which is what is being measured): checks that a deploy really happened, the
 * health wait for the Compose baseline, and removal of everything a run made, by label.
 */
import Docker from 'dockerode';
import { HEALTH_ARGV } from './stack-files.js';

export const docker = new Docker();

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';
const DEPLOYCTL_PROJECT = 'deployctl.project';

export async function imageExists(ref: string): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

interface AppState {
  name: string;
  image: string;
  running: boolean;
  healthy: boolean;
}

function appStates(list: Docker.ContainerInfo[]): AppState[] {
  return list.map((c) => ({
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    running: c.State === 'running',
    healthy: /\(healthy\)/.test(c.Status),
  }));
}

/** Compose's app containers (not the infra one): name, image, running, healthy. */
export async function composeApps(project: string): Promise<AppState[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${COMPOSE_PROJECT}=${project}`] },
  });
  return appStates(list.filter((c) => (c.Labels[COMPOSE_SERVICE] ?? '').startsWith('app')));
}

/** deployctl's app containers of one generation. */
export async function deployctlGeneration(project: string, deployId: string): Promise<AppState[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${DEPLOYCTL_PROJECT}=${project}`, `deployctl.deploy-id=${deployId}`] },
  });
  return appStates(list);
}

/**
 * Polls every `pollMs` until `apps` app containers of the Compose project run `image` and are
 * healthy. Returns performance.now() at the first poll that saw them all healthy.
 */
export function waitComposeHealthy(
  project: string,
  apps: number,
  image: string,
  timeoutMs = 120_000,
  pollMs = 100,
): Promise<number> {
  return waitAllHealthy(
    () => composeApps(project),
    `compose project ${project}`,
    apps,
    image,
    timeoutMs,
    pollMs,
  );
}

/** The same for generation `deployId` of a deployctl project: the engine's own verdict. */
export function waitGenerationHealthy(
  project: string,
  deployId: string,
  apps: number,
  image: string,
): Promise<number> {
  return waitAllHealthy(
    () => deployctlGeneration(project, deployId),
    `deployctl generation ${deployId} of ${project}`,
    apps,
    image,
    120_000,
    100,
  );
}

async function waitAllHealthy(
  list: () => Promise<AppState[]>,
  what: string,
  apps: number,
  image: string,
  timeoutMs: number,
  pollMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const states = await list();
    const ready = states.filter((s) => s.image === image && s.running && s.healthy).length;
    if (ready === apps && states.length === apps) return performance.now();
    if (performance.now() > deadline) {
      throw new Error(`${what}: only ${ready}/${apps} apps healthy on ${image} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Throws unless all `apps` containers of `deployId` run `image` and are healthy: the engine says
 * so, or (before the engine's first check, which deployctl's gate need not wait for) the
 * healthcheck command passes when run in the container now.
 */
export async function expectGenerationHealthy(
  project: string,
  deployId: string,
  apps: number,
  image: string,
) {
  const states = await deployctlGeneration(project, deployId);
  const passes = await Promise.all(
    states.map(async (s) => s.image === image && s.running && (s.healthy || (await checkPasses(s.name)))),
  );
  const good = states.filter((_, i) => passes[i]);
  if (good.length !== apps) {
    throw new Error(
      `deployctl generation ${deployId} of ${project}: ${good.length}/${apps} apps healthy on ${image} (${states.map((s) => `${s.name}:${s.image}:${s.running ? 'running' : 'stopped'}`).join(', ')})`,
    );
  }
}

/**
 * Removes every container, network and volume labelled with one of the projects (deployctl's
 * or Compose's label), plus volumes and networks by exact name. Best effort: failures are
 * returned, not thrown, so one leftover does not hide the others.
 */
export async function removeProjects(
  deployctlProjects: string[],
  composeProjects: string[],
  names: { networks: string[]; volumes: string[] },
): Promise<string[]> {
  const labels = [
    ...deployctlProjects.map((p) => `${DEPLOYCTL_PROJECT}=${p}`),
    ...composeProjects.map((p) => `${COMPOSE_PROJECT}=${p}`),
  ];
  const problems: string[] = [];
  const attempt = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404)
        problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  for (const label of labels) {
    const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
    // Stop, then remove, a few at a time: mass parallel force-removal is what most often leaves
    // the engine (20.10) with a network it refuses to delete ("has active endpoints", moby#43286).
    await inBatches(containers, 4, async (c) => {
      const container = docker.getContainer(c.Id);
      if (c.State === 'running') await container.stop({ t: 2 }).catch(() => undefined);
      await attempt(`container ${c.Names[0]}`, () =>
        container.remove({ v: true }).catch(() => container.remove({ force: true, v: true })),
      );
    });
  }
  const networks = new Set(names.networks);
  const volumes = new Set(names.volumes);
  for (const label of labels) {
    for (const n of await docker.listNetworks({ filters: { label: [label] } })) networks.add(n.Name);
    for (const v of (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [])
      volumes.add(v.Name);
  }
  for (const n of networks)
    await attempt(`network ${n}`, () => retryBusy(() => docker.getNetwork(n).remove()));
  for (const v of volumes) await attempt(`volume ${v}`, () => retryBusy(() => docker.getVolume(v).remove()));
  return problems;
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

/**
 * The engine releases a removed container's network endpoint and volume reference a moment
 * after the remove call returns ("has active endpoints", "volume is in use"): retry briefly.
 */
async function retryBusy(run: () => Promise<unknown>, tries = 10): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await run();
      return;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (i >= tries || (status !== 403 && status !== 409)) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Runs the stack's healthcheck command in the container, as the engine would; true on exit 0. */
async function checkPasses(container: string): Promise<boolean> {
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: HEALTH_ARGV, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  stream.resume();
  await new Promise((resolve) => stream.on('end', resolve));
  return (await exec.inspect()).ExitCode === 0;
}
