import { DeployctlError } from '../errors.js';

interface Node {
  name: string;
  dependsOn: string[];
}

/**
 * Start order as topological levels: every service comes after the services it depends on,
 * and services in the same level do not depend on each other (so they may start together).
 * Within a level the input order is kept. Dependencies on names outside the list are ignored:
 * they are services already running (infra, when ordering apps).
 * @throws DeployctlError INTERNAL on a cycle — loadSpec rejects cycles, so this is a bug.
 */
export function startOrder(services: Node[]): string[][] {
  const known = new Set(services.map((s) => s.name));
  const placed = new Set<string>();
  const levels: string[][] = [];
  let pending = services;
  while (pending.length > 0) {
    const ready = pending.filter((s) => s.dependsOn.every((d) => !known.has(d) || placed.has(d)));
    if (ready.length === 0) {
      const cycle = dependencyCycle(pending) ?? pending.map((s) => s.name);
      throw new DeployctlError(
        'INTERNAL',
        `cannot order services with a dependency cycle: ${cycle.join(' -> ')}. This is a bug in deployctl: the spec check should have rejected it; please report it.`,
      );
    }
    levels.push(ready.map((s) => s.name));
    for (const s of ready) placed.add(s.name);
    pending = pending.filter((s) => !placed.has(s.name));
  }
  return levels;
}

/**
 * The first depends_on cycle found, as the names along it with the first repeated at the end
 * (`["a", "b", "a"]`), or undefined. Names outside the list are ignored.
 */
export function dependencyCycle(services: Node[]): string[] | undefined {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const visit = (name: string): string[] | undefined => {
    const mark = state.get(name);
    if (mark === 'done') return undefined;
    if (mark === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };

  for (const s of services) {
    const found = visit(s.name);
    if (found) return found;
  }
  return undefined;
}
