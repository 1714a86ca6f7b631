import { canonicalImageRef } from '../spec/image-ref.js';
import { allServices, type ServiceSpec } from '../spec/model.js';
import { localImageId } from './live.js';
import { addAction, type PlanContext } from './plan-context.js';

/**
 * Pulls, only for images a create or replace needs, one per distinct image. When services
 * sharing an image disagree on pull_policy, the most eager wins (always > missing > never).
 */
export function planPulls(ctx: PlanContext): void {
  const needed = new Map<string, ServiceSpec[]>();
  const services = allServices(ctx.spec);
  for (const action of ctx.actions) {
    if (action.resource !== 'container' || (action.kind !== 'create' && action.kind !== 'replace')) continue;
    const service = services.find((s) => s.name === action.service && s.role === action.role);
    if (!service) continue;
    const ref = canonicalImageRef(service.image);
    needed.set(ref, [...(needed.get(ref) ?? []), service]);
  }
  for (const ref of [...needed.keys()].sort()) {
    const users = (needed.get(ref) ?? []).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const first = users[0];
    if (!first) continue;
    const names = users.map((s) => s.name).join(', ');
    const present = localImageId(ctx.observed.images, ref) !== undefined;
    const policies = new Set(users.map((s) => s.pullPolicy));
    const base = {
      kind: 'pull',
      resource: 'image',
      role: users.some((s) => s.role === 'infra') ? 'infra' : 'app',
      name: first.image,
      phase: 'images',
    } as const;
    if (policies.has('always')) {
      addAction(ctx, { ...base, reason: 'pull_always', detail: `pull_policy: always (needed by ${names})` });
    } else if (present) {
      continue;
    } else if (policies.has('missing')) {
      addAction(ctx, { ...base, reason: 'pull_missing', detail: `not present locally (needed by ${names})` });
    } else {
      ctx.blockers.push({
        code: 'image_unavailable',
        target: first.image,
        message:
          `image ${first.image} is not present locally and pull_policy is never (needed by ${names}); nothing was changed. ` +
          `Build or load it first (\`docker build -t ${first.image} …\` or \`docker load\`), or set pull_policy: missing.`,
      });
    }
  }
}
