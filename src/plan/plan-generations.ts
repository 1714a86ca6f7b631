import type { ContainerInfo } from '../engine/port.js';
import { LABEL } from '../engine/labels.js';
import type { Action } from './actions.js';
import {
  deployIdOf,
  generationsNewestFirst,
  isActive,
  isOwned,
  isRenamedAside,
  isStopped,
  isUnmanaged,
  observedOf,
  projectOf,
} from './live.js';
import { addAction, addRenamedAsideWarning, claim, unclaimed, type PlanContext } from './plan-context.js';
import { matchesGlob, nameProtection, protectionOf } from './protection.js';
import { formatDuration } from '../spec/duration.js';

/**
 * Older app generations and leftovers. The newest `keep_generations` are kept, stopped, for
 * rollback; older ones are removed: before the deploy when they are not running (pre-deploy
 * cleanup frees names and disk), after the new generation is healthy when they still run.
 *
 * Containers rotation cannot act on (protected, or being removed by the engine) take no kept
 * slot: they would stay whatever the plan says, and ranking them would make the next plan
 * (after the kept ones were stopped) keep a different set.
 */
export function planOlderGenerations(ctx: PlanContext): void {
  const members: ContainerInfo[] = [];
  for (const live of unclaimed(ctx)) {
    if (!isOwned(live, ctx.spec.project, 'app')) continue;
    claim(ctx, live);
    if (isRenamedAside(live)) addLeftover(ctx, live, 'renamed aside by an interrupted replace');
    else if (deployIdOf(live) === undefined) addLeftover(ctx, live, 'has no deploy id label');
    else if (outOfRotation(ctx, live)) addOutOfRotation(ctx, live);
    else members.push(live);
  }
  const generations = generationsNewestFirst(members);
  const keep = ctx.spec.cleanup.keepGenerations;
  // Retirement is judged against every generation of the project, including the live one and
  // the one deployed now, which earlier steps of the plan already claimed.
  const retired = retiredAt(
    generationsNewestFirst(
      ctx.observed.containers.filter(
        (c) => isOwned(c, ctx.spec.project, 'app') && !isRenamedAside(c) && deployIdOf(c) !== undefined,
      ),
    ),
  );
  const maxAge = ctx.spec.cleanup.maxAgeMs;
  generations.forEach((gen, index) => {
    const since = retired.get(gen.deployId);
    const aged =
      maxAge !== undefined &&
      ctx.now !== undefined &&
      since !== undefined &&
      !gen.containers.some((c) => isActive(c.state)) &&
      ctx.now - since > maxAge;
    for (const live of gen.containers) {
      if (index < keep && !aged) addKept(ctx, live, gen.deployId);
      else if (aged) addAged(ctx, live, gen.deployId, maxAge);
      else addExpired(ctx, live, gen.deployId, keep);
    }
  });
}

/**
 * When each generation stopped being the newest: the creation time of the next one created
 * after it. The newest has none, so it never ages out, and neither does a running one (the live
 * generation, or the target of a rollback) — the caller checks that.
 */
function retiredAt(generations: { deployId: string; newest: number }[]): Map<string, number> {
  const byAge = [...generations].sort((a, b) => a.newest - b.newest);
  const out = new Map<string, number>();
  byAge.forEach((gen, i) => {
    const next = byAge[i + 1];
    if (next) out.set(gen.deployId, next.newest);
  });
  return out;
}

function addAged(ctx: PlanContext, live: ContainerInfo, deployId: string, maxAgeMs: number): void {
  addOld(ctx, live, deployId, {
    kind: 'remove',
    reason: 'expired_generation',
    detail: `retired more than ${formatDuration(maxAgeMs)} ago (cleanup.max_age): will be removed`,
    phase: 'cleanup',
  });
}

function outOfRotation(ctx: PlanContext, live: ContainerInfo): boolean {
  return live.state === 'removing' || protectionOf(live, ctx.spec).protected;
}

function addOutOfRotation(ctx: PlanContext, live: ContainerInfo): void {
  const protection = protectionOf(live, ctx.spec);
  addOld(ctx, live, deployIdOf(live), {
    kind: 'noop',
    reason: protection.protected ? 'protected_name' : 'expired_generation',
    detail: protection.protected
      ? `protected (${protection.why ?? ''}): never touched`
      : 'being removed by the engine',
    phase: 'retire',
  });
}

function addKept(ctx: PlanContext, live: ContainerInfo, deployId: string): void {
  const active = isActive(live.state);
  addOld(ctx, live, deployId, {
    kind: active ? 'stop' : 'noop',
    reason: 'previous_generation',
    detail: active
      ? 'previous generation: will be stopped and kept for rollback'
      : 'stopped, kept for rollback',
    phase: 'retire',
  });
}

function addExpired(ctx: PlanContext, live: ContainerInfo, deployId: string, keep: number): void {
  const beyond = `older than the ${keep} kept generation${keep === 1 ? '' : 's'}`;
  if (isStopped(live.state)) {
    addOld(ctx, live, deployId, {
      kind: 'remove',
      reason: 'expired_generation',
      detail: `${beyond}: will be removed`,
      phase: 'cleanup',
    });
  } else if (isActive(live.state)) {
    addOld(ctx, live, deployId, {
      kind: 'remove',
      reason: 'expired_generation',
      detail: `${beyond}: will be stopped and removed after the new generation is healthy`,
      phase: 'retire',
    });
  } else {
    // `removing`: the engine is already deleting it.
    addOld(ctx, live, deployId, {
      kind: 'noop',
      reason: 'expired_generation',
      detail: `${beyond}: being removed by the engine`,
      phase: 'retire',
    });
  }
}

function addLeftover(ctx: PlanContext, live: ContainerInfo, why: string): void {
  const running = isActive(live.state);
  addOld(ctx, live, deployIdOf(live), {
    kind: 'remove',
    reason: 'failed_leftover',
    detail: running
      ? `${why}: will be removed after the new generation is healthy`
      : `${why}: will be removed`,
    phase: running ? 'retire' : 'cleanup',
  });
}

/** Every destructive decision on an old container goes through protection first. */
function addOld(
  ctx: PlanContext,
  live: ContainerInfo,
  deployId: string | undefined,
  init: Pick<Action, 'kind' | 'reason' | 'detail' | 'phase'>,
): void {
  const protection = protectionOf(live, ctx.spec);
  const safe: Pick<Action, 'kind' | 'reason' | 'detail' | 'phase'> =
    protection.protected && init.kind !== 'noop'
      ? {
          kind: 'noop',
          reason: 'protected_name',
          detail: `protected (${protection.why ?? ''}): never touched`,
          phase: init.phase,
        }
      : init;
  addAction(ctx, {
    ...safe,
    resource: 'container',
    role: 'app',
    name: live.name,
    service: live.labels[LABEL.service],
    deployId,
    protected: protection.protected,
    observed: observedOf(live),
  });
}

/**
 * Containers this project did not create whose names are protected (a cleanup.protect glob, or
 * an aside copy of an infra container left by an interrupted --replace): listed so the user
 * sees that deployctl knows about them and leaves them alone.
 */
export function planProtectedUntouched(ctx: PlanContext): void {
  for (const live of unclaimed(ctx)) {
    if (!isUnmanaged(live) && projectOf(live) === ctx.spec.project) continue;
    const protection = nameProtection(live.name, ctx.spec);
    if (!protection.protected) continue;
    claim(ctx, live);
    const glob = ctx.spec.cleanup.protect.find((g) => matchesGlob(live.name, g));
    const aside = glob === undefined && isRenamedAside(live);
    addAction(ctx, {
      kind: 'noop',
      resource: 'container',
      role: 'unmanaged',
      name: live.name,
      reason: 'protected_name',
      detail:
        glob !== undefined
          ? `protected by cleanup.protect "${glob}": never touched`
          : `protected (${protection.why ?? ''}): never touched, check it and remove it by hand`,
      protected: true,
      phase: 'cleanup',
      observed: observedOf(live),
    });
    if (aside) addRenamedAsideWarning(ctx, live.name);
  }
}
