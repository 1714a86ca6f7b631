import type { NetworkInfo, VolumeInfo } from '../engine/port.js';
import type { NetworkSpec, VolumeSpec } from '../spec/model.js';
import { addAction, type PlanContext } from './plan-context.js';
import { projectOf, roleOf } from './live.js';

/**
 * Infra volumes, networks and dirs: created when missing, otherwise only reported. Nothing here
 * is ever stopped or removed, not even after it left the spec.
 */
export function planStorage(ctx: PlanContext): void {
  for (const volume of ctx.spec.infra.volumes) {
    planNamed(
      ctx,
      'volume',
      volume,
      ctx.observed.volumes.find((v) => v.name === volume.name),
    );
  }
  for (const network of ctx.spec.infra.networks) {
    planNamed(
      ctx,
      'network',
      network,
      ctx.observed.networks.find((n) => n.name === network.name),
    );
  }
  for (const dir of ctx.spec.infra.dirs) {
    const exists = ctx.observed.dirs[dir.name] === true;
    addAction(ctx, {
      kind: exists ? 'noop' : 'create',
      resource: 'dir',
      role: 'infra',
      name: dir.name,
      reason: exists ? 'up_to_date' : 'missing',
      detail: exists ? `${dir.path} exists` : `${dir.path} does not exist: will be created`,
      protected: true,
      phase: 'infra',
    });
  }
  planLeftStorage(ctx, 'volume', ctx.observed.volumes, new Set(ctx.spec.infra.volumes.map((v) => v.name)));
  planLeftStorage(ctx, 'network', ctx.observed.networks, new Set(ctx.spec.infra.networks.map((n) => n.name)));
}

function planNamed(
  ctx: PlanContext,
  resource: 'volume' | 'network',
  want: VolumeSpec | NetworkSpec,
  live: VolumeInfo | NetworkInfo | undefined,
): void {
  const base = { resource, role: 'infra', name: want.name, protected: true, phase: 'infra' } as const;
  if (want.external && !live) {
    ctx.blockers.push({
      code: resource === 'volume' ? 'external_volume_missing' : 'external_network_missing',
      target: want.name,
      message:
        `external ${resource} ${want.name} does not exist; nothing was changed. ` +
        `Create it with \`docker ${resource} create ${want.name}\`; deployctl never creates external ${resource}s.`,
    });
  } else if (want.external) {
    addAction(ctx, {
      ...base,
      kind: 'noop',
      reason: 'external',
      detail: `external ${resource}: used as-is, never created or removed`,
    });
  } else if (!live) {
    addAction(ctx, {
      ...base,
      kind: 'create',
      reason: 'missing',
      detail: `does not exist: will be created (and never removed)`,
    });
  } else {
    addAction(ctx, { ...base, kind: 'noop', reason: 'up_to_date', detail: 'exists' });
  }
}

/** Volumes and networks this project labelled role=infra stay protected after leaving the spec. */
function planLeftStorage(
  ctx: PlanContext,
  resource: 'volume' | 'network',
  live: (VolumeInfo | NetworkInfo)[],
  inSpec: Set<string>,
): void {
  for (const item of live) {
    if (inSpec.has(item.name) || projectOf(item) !== ctx.spec.project || roleOf(item) !== 'infra') continue;
    addAction(ctx, {
      kind: 'noop',
      resource,
      role: 'infra',
      name: item.name,
      reason: 'removed_from_spec',
      detail: 'no longer in spec — protected, remove it by hand',
      protected: true,
      phase: 'infra',
    });
  }
}
