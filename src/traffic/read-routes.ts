import type { Engine } from '../engine/port.js';
import type { Spec } from '../spec/model.js';
import { CADDY_CONFIG_DIR, CADDY_CONFIG_FILE, proxyContainer } from './caddy-config.js';

/**
 * The routes config the proxy last loaded from deployctl, read back from its container (one
 * archive request): null when the proxy holds none yet, undefined when there is no `proxy:` or
 * the container cannot be read (not created yet: creating it is already a change in the plan).
 */
export async function readLiveRoutes(engine: Engine, spec: Spec): Promise<string | null | undefined> {
  const container = proxyContainer(spec);
  if (container === undefined) return undefined;
  try {
    const files = await engine.readFiles(container, `${CADDY_CONFIG_DIR}/${CADDY_CONFIG_FILE}`);
    return files[0]?.content.toString('utf8') ?? null;
  } catch {
    return undefined;
  }
}
