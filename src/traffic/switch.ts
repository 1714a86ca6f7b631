import type { Engine } from '../engine/port.js';
import { DeployctlError } from '../errors.js';
import type { Spec } from '../spec/model.js';
import { CADDY_CONFIG_DIR, CADDY_CONFIG_FILE, caddyConfig } from './caddy-config.js';

/** The proxy's fixed container name, when the spec has `proxy:`. */
export function proxyContainer(spec: Spec): string | undefined {
  if (!spec.proxy) return undefined;
  return spec.infra.services.find((s) => s.name === spec.proxy!.service)?.containerName;
}

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
 * Callers switch only to a generation that is already healthy.
 */
export async function switchTraffic(engine: Engine, spec: Spec, deployId: string): Promise<string> {
  const container = proxyContainer(spec);
  if (!spec.proxy || container === undefined) return 'no proxy configured';
  const config = caddyConfig(spec.project, spec.proxy, deployId);
  const target = `${CADDY_CONFIG_DIR}/${CADDY_CONFIG_FILE}`;
  const failed = (what: string, cause?: unknown): DeployctlError =>
    new DeployctlError(
      'TRAFFIC_SWITCH_FAILED',
      `could not route traffic to generation ${deployId} through the proxy ${container}: ${what}. ` +
        `The proxy keeps its previous routes (it was not restarted). ` +
        `Check it with \`docker logs ${container}\` (its admin API must listen on localhost:2019 inside the container), then re-run \`deployctl apply\`.`,
      { cause },
    );
  try {
    await engine.writeFiles(container, CADDY_CONFIG_DIR, [{ name: CADDY_CONFIG_FILE, content: config }]);
  } catch (err) {
    throw failed(`writing ${target} failed (${messageOf(err)})`, err);
  }
  let result;
  try {
    result = await engine.exec(container, ['caddy', 'reload', '--config', target]);
  } catch (err) {
    throw failed(`running caddy reload failed (${messageOf(err)})`, err);
  }
  if (result.exitCode !== 0) {
    const why = lastLine(result.stderr) || lastLine(result.stdout) || `exit code ${result.exitCode}`;
    throw failed(`caddy reload exited with ${result.exitCode}: ${why}`);
  }
  return spec.proxy.routes.map((r) => `${r.host ?? '*'} → ${r.service}_${deployId}`).join(', ');
}

/**
 * Whether the proxy routes other than `proxy:` says for generation `deployId` (routes, ports or
 * listen edited in the spec, or a proxy recreated with no routes yet) while that generation is
 * already up to date: then an apply with nothing else to do still loads the routes. The config
 * deployctl last wrote is read back from the proxy container; unreadable (the proxy is not
 * there yet) counts as up to date, since creating it is a change the plan already has.
 */
export async function routesStale(engine: Engine, spec: Spec, deployId: string): Promise<boolean> {
  const container = proxyContainer(spec);
  if (!spec.proxy || container === undefined) return false;
  const wanted = caddyConfig(spec.project, spec.proxy, deployId);
  try {
    const files = await engine.readFiles(container, `${CADDY_CONFIG_DIR}/${CADDY_CONFIG_FILE}`);
    return files[0]?.content.toString('utf8') !== wanted;
  } catch {
    return false;
  }
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
