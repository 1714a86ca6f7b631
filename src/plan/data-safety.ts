import type { ServiceSpec } from '../spec/model.js';
import { localImage } from './live.js';
import type { PlanContext } from './plan-context.js';

/**
 * Warnings about infra data that would not survive a recreate: data in anonymous volumes or in
 * the container's own layer. They do not block: the user may know the data is disposable.
 */
export function planDataSafetyWarnings(ctx: PlanContext): void {
  for (const service of ctx.spec.infra.services) {
    const name = service.containerName ?? service.name;
    for (const mount of service.mounts) {
      if (mount.type !== 'anonymous') continue;
      ctx.warnings.push({
        code: 'anonymous_volume',
        target: name,
        message:
          `infra service "${service.name}" keeps ${mount.target} on an anonymous volume, which a recreate (--replace) leaves behind; ` +
          `mount a named volume or a dir there (e.g. \`${service.name}_data:${mount.target}\`) to keep the data.`,
      });
    }
    if (!service.mounts.some((m) => m.type !== 'anonymous')) {
      ctx.warnings.push({
        code: 'container_layer_data',
        target: name,
        message:
          `infra service "${service.name}" mounts no volume, dir or host path, so anything it writes lives in the container and is lost when it is recreated; ` +
          'add a named volume or a dir if it keeps data.',
      });
    }
    for (const path of uncoveredImageVolumes(ctx, service)) {
      ctx.warnings.push({
        code: 'anonymous_volume',
        target: name,
        message:
          `the image of infra service "${service.name}" (${service.image}) declares VOLUME ${path}, and nothing is mounted there, ` +
          `so its data goes to an anonymous volume a recreate leaves behind; mount a named volume or a dir at ${path}.`,
      });
    }
  }
}

function uncoveredImageVolumes(ctx: PlanContext, service: ServiceSpec): string[] {
  const declared = localImage(ctx.observed.images, service.image)?.volumes ?? [];
  // The engine creates an anonymous volume for a VOLUME path unless something is mounted at that exact path.
  const targets = new Set(service.mounts.map((m) => trimSlash(m.target)));
  return [...new Set(declared.map(trimSlash))].filter((p) => !targets.has(p)).sort();
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
