import type { ContainerInfo, ContainerState, ImageInfo } from '../engine/port.js';
import { ASIDE_NAME, LABEL, type LabelRole } from '../engine/labels.js';
import { canonicalImageRef } from '../spec/image-ref.js';
import type { Action } from './actions.js';

/**
 * Reading the identity of live objects. Labels are the source of truth: a name only says what
 * a container is supposed to be, its labels say who created it and for what.
 */

export function projectOf(c: { labels: Record<string, string> }): string | undefined {
  return c.labels[LABEL.project];
}

export function roleOf(c: { labels: Record<string, string> }): LabelRole | undefined {
  const role = c.labels[LABEL.role];
  return role === 'infra' || role === 'app' || role === 'lock' || role === 'state' ? role : undefined;
}

export function deployIdOf(c: ContainerInfo): string | undefined {
  const id = c.labels[LABEL.deployId];
  return id === undefined || id === '' ? undefined : id;
}

/** Created by deployctl for this project with the given role. */
export function isOwned(c: ContainerInfo, project: string, role: LabelRole): boolean {
  return projectOf(c) === project && roleOf(c) === role;
}

/** Carries no deployctl project label: created by hand, by Compose, or by another tool. */
export function isUnmanaged(c: { labels: Record<string, string> }): boolean {
  return projectOf(c) === undefined;
}

/** A container renamed aside during a replace that never finished. */
export function isRenamedAside(c: ContainerInfo): boolean {
  return ASIDE_NAME.test(c.name);
}

/** The name a renamed-aside copy had before the rename, judged by its name alone. */
export function asideOriginalName(name: string): string | undefined {
  return ASIDE_NAME.test(name) ? name.replace(ASIDE_NAME, '') : undefined;
}

/** Holds resources (ports, volumes) and would need a stop before removal. */
export function isActive(state: ContainerState): boolean {
  return state === 'running' || state === 'paused' || state === 'restarting';
}

/** Not running, and `start` brings it back. */
export function isStopped(state: ContainerState): boolean {
  return state === 'created' || state === 'exited' || state === 'dead';
}

/** The id of the local image a reference points at, when it is present. */
export function localImageId(images: ImageInfo[], ref: string): string | undefined {
  const want = canonicalImageRef(ref);
  const hits = images.filter((i) => i.repoTags.some((t) => canonicalImageRef(t) === want));
  // Two entries for one tag cannot happen on one engine; sort anyway so the answer is stable.
  return hits.map((i) => i.id).sort()[0];
}

export function localImage(images: ImageInfo[], ref: string): ImageInfo | undefined {
  const id = localImageId(images, ref);
  return id === undefined ? undefined : images.find((i) => i.id === id);
}

/** `sha256:0123…` -> `0123456789ab`, as `docker ps` shows ids. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function observedOf(c: ContainerInfo): NonNullable<Action['observed']> {
  return c.health === undefined
    ? { id: c.id, state: c.state }
    : { id: c.id, state: c.state, health: c.health };
}

/** App containers of one deploy id, with the creation time of its newest container. */
export interface Generation {
  deployId: string;
  containers: ContainerInfo[];
  newest: number;
}

/**
 * Groups app containers by deploy id, newest generation first. A generation that still runs
 * counts as newer than any stopped one: after a rollback by deploy id the serving generation
 * is older by creation than the one it replaced, and it is the one to keep. Otherwise deploy
 * ids are free text (a commit sha sorts no better than a random word), so age is creation
 * time; equal times fall back to the deploy id so the order is always the same.
 */
export function generationsNewestFirst(containers: ContainerInfo[]): Generation[] {
  const byDeploy = new Map<string, ContainerInfo[]>();
  for (const c of containers) {
    const id = deployIdOf(c);
    if (id !== undefined) byDeploy.set(id, [...(byDeploy.get(id) ?? []), c]);
  }
  return [...byDeploy.entries()]
    .map(([deployId, list]) => ({
      deployId,
      containers: list,
      newest: Math.max(...list.map((c) => c.createdAt)),
      active: list.some((c) => isActive(c.state)),
    }))
    .sort(
      (a, b) =>
        Number(b.active) - Number(a.active) ||
        b.newest - a.newest ||
        (a.deployId < b.deployId ? 1 : a.deployId > b.deployId ? -1 : 0),
    )
    .map(({ deployId, containers: list, newest }) => ({ deployId, containers: list, newest }));
}
