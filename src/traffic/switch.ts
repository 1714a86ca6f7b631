import type { Engine } from '../engine/port.js';
import { DeployctlError } from '../errors.js';
import type { Spec } from '../spec/model.js';
import {
  CADDY_CONFIG_DIR,
  CADDY_CONFIG_FILE,
  CADDY_NEXT_FILE,
  caddyConfig,
  proxyContainer,
} from './caddy-config.js';

export { proxyContainer } from './caddy-config.js';

/** App services the proxy routes to: their old generations get a drain period before the stop. */
export function drainMsOf(spec: Spec, service: string | undefined): number {
  if (!spec.proxy || service === undefined) return 0;
  return spec.proxy.drainMs[service] ?? 0;
}

/**
 * Routes every `proxy.routes` entry to generation `deployId`: writes the whole config into the
 * proxy container and has Caddy load it (`caddy reload`, Caddy's admin /load). The load is
 * atomic: new requests go to the new upstreams at once, requests in flight on the old ones
 * finish. Idempotent: Caddy ignores a load identical to what it runs, so a re-run after a kill
 * converges. The proxy container itself is never recreated or restarted here.
 *
 * The config is written beside the live one (CADDY_NEXT_FILE) and loaded from there; only once
 * Caddy accepted it does it become CADDY_CONFIG_FILE. So a rejected config never sits where a
 * restarted proxy would load it, and the file plan reads back is always what the proxy runs.
 * Callers switch only to a generation that is already healthy.
 */
export async function switchTraffic(engine: Engine, spec: Spec, deployId: string): Promise<string> {
  const container = proxyContainer(spec);
  if (!spec.proxy || container === undefined) return 'no proxy configured';
  const config = caddyConfig(spec.project, spec.proxy, deployId);
  const next = `${CADDY_CONFIG_DIR}/${CADDY_NEXT_FILE}`;
  const live = `${CADDY_CONFIG_DIR}/${CADDY_CONFIG_FILE}`;
  const failed = (what: string, kept: string, cause?: unknown): DeployctlError =>
    new DeployctlError(
      'TRAFFIC_SWITCH_FAILED',
      `could not route traffic to generation ${deployId} through the proxy ${container}: ${what}. ` +
        `${kept} (it was not restarted). ` +
        `Check it with \`docker logs ${container}\` (its admin API must listen on localhost:2019 inside the container), then re-run \`deployctl apply\`.`,
      { cause },
    );
  const previous = `The proxy keeps its previous routes and ${live} is unchanged`;
  try {
    await engine.writeFiles(container, CADDY_CONFIG_DIR, [{ name: CADDY_NEXT_FILE, content: config }]);
  } catch (err) {
    throw failed(`writing ${next} failed (${messageOf(err)})`, previous, err);
  }
  const reload = await caddyReload(engine, container, next);
  if (reload !== undefined) throw failed(reload.what, previous, reload.cause);
  try {
    await engine.writeFiles(container, CADDY_CONFIG_DIR, [{ name: CADDY_CONFIG_FILE, content: config }]);
  } catch (err) {
    // Caddy runs the new routes but the file a restart loads does not hold them: load the
    // previous file again, so the proxy and its file agree before the new generation goes.
    const back = await caddyReload(engine, container, live);
    throw failed(
      `Caddy loaded the new routes, but recording them in ${live} failed (${messageOf(err)})`,
      back === undefined
        ? `The proxy was put back on its previous routes`
        : `Putting the previous routes back failed too (${back.what}): the proxy may still route to ${deployId}`,
      err,
    );
  }
  return spec.proxy.routes.map((r) => `${r.host ?? '*'} → ${r.service}_${deployId}`).join(', ');
}

/** `caddy reload --config FILE` inside the proxy: undefined when Caddy accepted it. */
async function caddyReload(
  engine: Engine,
  container: string,
  file: string,
): Promise<{ what: string; cause?: unknown } | undefined> {
  let result;
  try {
    result = await engine.exec(container, ['caddy', 'reload', '--config', file]);
  } catch (err) {
    return { what: `running caddy reload failed (${messageOf(err)})`, cause: err };
  }
  if (result.exitCode === 0) return undefined;
  const why = lastLine(result.stderr) || lastLine(result.stdout) || `exit code ${result.exitCode}`;
  return { what: `caddy reload exited with ${result.exitCode}: ${why}` };
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .pop() ?? ''
  ).slice(0, 300);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
