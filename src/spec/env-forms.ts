import type { Lookup } from './interpolate.js';

export interface EnvEntry {
  key: string;
  value: string;
  /** Where it was written: the map key or the list index under `environment:`. */
  at: string | number;
}

export interface EnvProblem {
  at: string | number;
  message: string;
}

/**
 * Compose `environment:` in either form: `{KEY: value}` or `["KEY=value"]`. `KEY` alone (or
 * `KEY:` with no value) takes the value from deployctl's environment or .env, as Compose
 * does — but an unset one is an error here instead of being silently left out.
 */
export function parseEnvironment(
  raw: Record<string, string | number | boolean | null> | string[] | undefined,
  lookup: Lookup,
): { entries: EnvEntry[]; problems: EnvProblem[] } {
  const entries: EnvEntry[] = [];
  const problems: EnvProblem[] = [];
  const firstAt = new Map<string, string | number>();

  const add = (key: string, value: string | null, at: string | number): void => {
    const previous = firstAt.get(key);
    if (previous !== undefined) {
      problems.push({
        at,
        message: `sets ${key} a second time (first at environment[${String(previous)}]); remove one`,
      });
      return;
    }
    firstAt.set(key, at);
    if (value !== null) {
      entries.push({ key, value, at });
      return;
    }
    const fromEnv = lookup(key);
    if (fromEnv === undefined) {
      problems.push({
        at,
        message: `takes ${key} from the environment, but ${key} is not set; export it, add it to .env beside the spec, or write ${key}=value`,
      });
      return;
    }
    entries.push({ key, value: fromEnv, at });
  };

  if (Array.isArray(raw)) {
    raw.forEach((item, index) => {
      const eq = item.indexOf('=');
      add(eq < 0 ? item : item.slice(0, eq), eq < 0 ? null : item.slice(eq + 1), index);
    });
  } else if (raw) {
    for (const [key, value] of Object.entries(raw)) add(key, value === null ? null : String(value), key);
  }
  return { entries, problems };
}
