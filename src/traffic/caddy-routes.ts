/**
 * What a Caddy config written by `caddyConfig` routes where, read back for plan: the listen
 * address, and per route (its Host, `*` for the default one) the upstream it dials. Pure and
 * tolerant: anything that is not such a config gives undefined, never an error.
 */
export function routeTable(config: string): Map<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(config);
  } catch {
    return undefined;
  }
  const server = at(parsed, ['apps', 'http', 'servers', 'deployctl']);
  const listen = at(server, ['listen']);
  const routes = at(server, ['routes']);
  if (!Array.isArray(listen) || !Array.isArray(routes)) return undefined;
  const table = new Map<string, string>([['listen', listen.map(String).join(', ')]]);
  for (const route of routes) {
    const dial = at(route, ['handle', 0, 'upstreams', 0, 'dial']);
    if (typeof dial !== 'string') continue; // the 404 for unknown hosts
    const host = at(route, ['match', 0, 'host', 0]);
    table.set(`routes[${typeof host === 'string' ? host : '*'}]`, dial);
  }
  return table;
}

function at(value: unknown, path: (string | number)[]): unknown {
  let here = value;
  for (const key of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string | number, unknown>)[key];
  }
  return here;
}
