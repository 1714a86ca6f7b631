import { DeployctlError } from '../errors.js';
import { isEngineError } from '../engine/engine-error.js';
import { canonicalImageRef } from '../spec/image-ref.js';
import { allServices } from '../spec/model.js';
import { checkAbort } from './guard.js';
import { actionsIn, type RunState } from './run-state.js';

/**
 * Pulls what the plan says (in parallel), then resolves every spec image to its local id. Runs
 * before infra and apps change, so a missing image stops the apply with nothing touched.
 */
export async function runImages(state: RunState, update: (text: string) => void): Promise<string> {
  const { engine } = state.deps;
  const pulls = actionsIn(state, 'images').filter((a) => a.kind === 'pull');
  checkAbort(state, 'before pulling images');
  let done = 0;
  const failures: string[] = [];
  await Promise.all(
    pulls.map(async (action) => {
      try {
        await engine.pullImage(action.name);
        state.result.pulled.push(action.name);
      } catch (err) {
        if (!isEngineError(err)) throw err;
        failures.push(`${action.name}: ${err.message}`);
      } finally {
        update(`pulled ${++done}/${pulls.length}`);
      }
    }),
  );
  if (failures.length > 0) {
    throw new DeployctlError(
      'IMAGE_UNAVAILABLE',
      `could not pull ${failures.length} image(s); nothing was changed — infrastructure and the running apps are as they were. ` +
        `${failures.join('; ')}. Check the image names and tags in the spec, the registry and \`docker login\`, then re-run.`,
    );
  }
  await resolveImageIds(state);
  return pulls.length === 0 ? 'all images present' : `pulled ${pulls.length} image(s)`;
}

async function resolveImageIds(state: RunState): Promise<void> {
  const refs = [...new Set(allServices(state.spec).map((s) => s.image))];
  const images = await state.deps.engine.listImages(refs);
  for (const image of images) {
    for (const tag of image.repoTags) state.imageIds.set(canonicalImageRef(tag), image.id);
  }
  const needed = state.plan.actions.filter(
    (a) => a.resource === 'container' && (a.kind === 'create' || a.kind === 'replace'),
  );
  const missing = new Set<string>();
  for (const action of needed) {
    const service = allServices(state.spec).find((s) => s.name === action.service);
    if (service && !state.imageIds.has(canonicalImageRef(service.image))) missing.add(service.image);
  }
  if (missing.size > 0) {
    throw new DeployctlError(
      'IMAGE_UNAVAILABLE',
      `image(s) ${[...missing].join(', ')} are not present on the engine and pull_policy does not allow pulling them; ` +
        `nothing was changed. Pull or build them first, or set pull_policy: missing.`,
    );
  }
}

export function imageIdFor(state: RunState, image: string): string {
  return state.imageIds.get(canonicalImageRef(image)) ?? '';
}
