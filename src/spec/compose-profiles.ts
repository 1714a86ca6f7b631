import type { IssueList } from './issues.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Compose `profiles:`: a service that lists profiles is deployed only when one of them is
 * selected (`--profile NAME`, repeatable, or `DEPLOYCTL_PROFILES=a,b`); a service without
 * profiles is always deployed. Unselected services are removed from the spec before it is
 * normalized, so they are not planned at all. A selected service that depends on an unselected
 * one is an error naming the profile to select.
 */
export function selectProfiles(data: unknown, active: readonly string[], issues: IssueList): void {
  if (!isObj(data)) return;
  const selected = new Set(active);
  const dropped = new Map<string, string[]>();
  for (const section of ['infra', 'apps'] as const) {
    const services = isObj(data[section]) ? data[section].services : undefined;
    if (!isObj(services)) continue;
    for (const [name, service] of Object.entries(services)) {
      if (!isObj(service) || !Array.isArray(service.profiles)) continue;
      const profiles = service.profiles.map(String);
      if (profiles.length > 0 && !profiles.some((p) => selected.has(p) || p === '*' || selected.has('*'))) {
        dropped.set(name, profiles);
        delete services[name];
      } else {
        delete service.profiles;
      }
    }
  }
  if (dropped.size === 0) return;
  for (const section of ['infra', 'apps'] as const) {
    const services = isObj(data[section]) ? data[section].services : undefined;
    if (!isObj(services)) continue;
    for (const [name, service] of Object.entries(services)) {
      if (!isObj(service)) continue;
      const deps = service.depends_on;
      const names = Array.isArray(deps) ? deps.map(String) : isObj(deps) ? Object.keys(deps) : [];
      names.forEach((dep, i) => {
        const profiles = dropped.get(dep);
        if (!profiles) return;
        issues.error(
          [section, 'services', name, 'depends_on', Array.isArray(deps) ? i : dep],
          `names ${dep}, which is deployed only with profile ${profiles.map((p) => `"${p}"`).join(' or ')}, not selected; select it (--profile ${profiles[0] ?? ''}) or give ${name} the same profiles`,
        );
      });
    }
  }
}

/** Profiles from `--profile` flags, else from DEPLOYCTL_PROFILES (comma-separated). */
export function activeProfiles(flags: readonly string[] | undefined, env: string | undefined): string[] {
  const list = flags && flags.length > 0 ? flags : (env ?? '').split(',');
  return [
    ...new Set(
      list
        .flatMap((p) => p.split(','))
        .map((p) => p.trim())
        .filter((p) => p !== ''),
    ),
  ];
}
