import { LABEL } from '../engine/labels.js';
import type { ContainerInfo } from '../engine/port.js';
import { DeployctlError } from '../errors.js';
import { deployIdOf, isOwned, isRenamedAside } from '../plan/live.js';
import { liveRevision, rollbackAvailability } from '../revisions/history.js';
import { servedAfter, type Revision, type RevisionService } from '../revisions/revision.js';

/** The generation a rollback puts back, as its revision recorded it and as the engine keeps it. */
export interface RollbackTarget {
  deployId: string;
  /** The newest revision that served this generation: what "exactly as it ran" means. */
  revision: Revision;
  /** Its app services as recorded (image reference, image id, config hash). */
  services: RevisionService[];
  /** The kept containers themselves, one per recorded app service. */
  containers: ContainerInfo[];
  /** The deploy id serving before the rollback (the live revision's), if any. */
  liveDeployId?: string;
}

/**
 * Picks the target of `deployctl rollback [DEPLOY_ID]` from the ledger and the live containers.
 * Default: the newest kept generation deployed before the live one (by when each deploy id first
 * served), so repeated rollbacks walk back; rolling forward names the id. Refuses (nothing
 * changed) when the ledger is empty, the id is unknown, the generation was pruned or an image it
 * ran is gone, listing what can be rolled back to instead.
 */
export function chooseTarget(input: {
  project: string;
  revisions: Revision[];
  containers: ContainerInfo[];
  /** Image ids present on the engine. */
  imagePresent: (id: string) => boolean;
  requested?: string;
}): RollbackTarget {
  const { revisions, requested } = input;
  const apps = input.containers.filter((c) => isOwned(c, input.project, 'app') && !isRenamedAside(c));
  const live = liveRevision(revisions);
  const served = revisions.filter(servedAfter);
  if (served.length === 0) {
    throw unavailable(
      `no revision of ${input.project} that deployed a generation is recorded on the engine host (the ledger is empty, was deleted or cannot be read), so there is nothing known to roll back to`,
      [],
    );
  }
  const check = (rev: Revision): string | undefined => missingOf(rev, live, apps, input.imagePresent);
  const candidates = availableTargets(served, live, check);
  let chosen: Revision | undefined;
  if (requested !== undefined) {
    chosen = served.find((r) => r.deploy_id === requested);
    if (!chosen) {
      const known = revisions.some((r) => r.deploy_id === requested);
      throw unavailable(
        known
          ? `deploy ${requested} never served successfully (no succeeded apply, rollback or recover of it is recorded)`
          : `no revision with deploy id ${requested} is recorded for ${input.project}`,
        candidates,
      );
    }
    // Re-running a rollback that already put this generation back (or was killed) converges.
    const why =
      chosen.deploy_id === live?.deploy_id
        ? missingOf(chosen, undefined, apps, input.imagePresent)
        : check(chosen);
    if (why) throw unavailable(`deploy ${requested} cannot be rolled back to: ${why}`, candidates);
  } else {
    if (!live) {
      throw unavailable(
        `no revision of ${input.project} is live (nothing deployed, or \`deployctl down\` ran last), so there is no "previous" generation; name the deploy id to put back`,
        candidates,
      );
    }
    const origin = firstServed(served);
    const liveOrigin = origin.get(live.deploy_id) ?? live.number;
    chosen = candidates
      .filter((r) => (origin.get(r.deploy_id) ?? r.number) < liveOrigin)
      .sort((a, b) => (origin.get(b.deploy_id) ?? b.number) - (origin.get(a.deploy_id) ?? a.number))[0];
    if (!chosen) {
      // Say why the one a user expects (the generation just before the live one) cannot come back.
      const previous = served
        .filter((r) => r.deploy_id !== live.deploy_id && (origin.get(r.deploy_id) ?? r.number) < liveOrigin)
        .sort((a, b) => (origin.get(b.deploy_id) ?? b.number) - (origin.get(a.deploy_id) ?? a.number))[0];
      const why = previous && check(previous);
      throw unavailable(
        previous && why
          ? `the generation before the live one (${live.deploy_id}) is ${previous.deploy_id}, and it cannot be rolled back to: ${why}`
          : `no kept generation older than the live one (${live.deploy_id}) can be put back`,
        candidates,
      );
    }
  }
  const services = chosen.services.filter((s) => s.role === 'app');
  const containers = services.map((s) => keptContainer(apps, chosen.deploy_id, s)!);
  return {
    deployId: chosen.deploy_id,
    revision: chosen,
    services,
    containers,
    ...(live ? { liveDeployId: live.deploy_id } : {}),
  };
}

/** Newest revision first for each deploy id that can still be put back. */
function availableTargets(
  served: Revision[],
  live: Revision | undefined,
  check: (rev: Revision) => string | undefined,
): Revision[] {
  const seen = new Set<string>();
  const out: Revision[] = [];
  for (const r of served) {
    if (seen.has(r.deploy_id)) continue;
    seen.add(r.deploy_id);
    if (r.deploy_id !== live?.deploy_id && check(r) === undefined) out.push(r);
  }
  return out;
}

/** The number of the first revision that served each deploy id: the order generations came in. */
function firstServed(served: Revision[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const r of served) first.set(r.deploy_id, Math.min(first.get(r.deploy_id) ?? r.number, r.number));
  return first;
}

/** Why a revision cannot be put back: history's rule (kept, every image present). */
function missingOf(
  rev: Revision,
  live: Revision | undefined,
  apps: ContainerInfo[],
  imagePresent: (id: string) => boolean,
): string | undefined {
  const availability = rollbackAvailability(rev, live, apps, imagePresent);
  return availability.available ? undefined : availability.why;
}

function keptContainer(
  apps: ContainerInfo[],
  deployId: string,
  s: RevisionService,
): ContainerInfo | undefined {
  return apps.find(
    (c) =>
      deployIdOf(c) === deployId &&
      c.labels[LABEL.service] === s.service &&
      (!s.image_id || c.imageId === s.image_id),
  );
}

function unavailable(why: string, candidates: Revision[]): DeployctlError {
  const ids = candidates.map((r) => r.deploy_id);
  return new DeployctlError(
    'ROLLBACK_UNAVAILABLE',
    `rollback refused: ${why}. Nothing was changed; the current generation keeps serving. ` +
      (ids.length > 0
        ? `Deploy ids that can be rolled back to: ${ids.join(', ')} (\`deployctl rollback ID\`; \`deployctl history\` shows them all).`
        : 'No kept generation can be rolled back to (see `deployctl history`); deploy the version you want with `deployctl apply --deploy-id ID`.'),
    { data: { available: ids } },
  );
}
