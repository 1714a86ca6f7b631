import type Docker from 'dockerode';
import { toEngineError } from './engine-failure.js';

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number } | null)?.statusCode;

/**
 * Creates the network unless one of that name exists. The engine happily makes two networks
 * with one name, so look first (a re-run must never make a twin) and ask it to check too
 * (CheckDuplicate) for a create racing ours; that race's 409 means the network exists, as asked.
 * True when this call created it.
 */
export async function ensureNetwork(
  docker: Docker,
  def: { name: string; labels: Record<string, string>; driver?: string },
  endpoint: string,
): Promise<boolean> {
  const action = `create network ${def.name}`;
  const exists = await docker
    .getNetwork(def.name)
    .inspect()
    // Inspect also matches an id prefix: only the exact name counts.
    .then((n: { Name?: string }) => n.Name === def.name)
    .catch((err: unknown) => {
      if (statusOf(err) === 404) return false;
      throw toEngineError(err, { action, endpoint });
    });
  if (exists) return false;
  const body = {
    Name: def.name,
    Labels: def.labels,
    CheckDuplicate: true,
    ...(def.driver ? { Driver: def.driver } : {}),
  };
  try {
    await docker.createNetwork(body);
    return true;
  } catch (err) {
    if (statusOf(err) === 409) return false;
    throw toEngineError(err, { action, endpoint });
  }
}
