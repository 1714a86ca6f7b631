import { isMaskedHash, sortKeys } from '../spec/config-hash.js';
import type { Mount, PortMapping } from '../spec/model.js';
import type { FieldChange } from './actions.js';

/** What may not be printed: the service's secret env keys and every secret value of the spec. */
export interface Secrets {
  keys: ReadonlySet<string>;
  values: readonly string[];
}

export const SENSITIVE = '(sensitive)';
const MAX_VALUE = 160;
// Keyed maps are diffed per key so `environment.LOG_LEVEL` is reported, not the whole map.
const KEYED = new Set(['environment', 'labels']);
// Same heuristic as the spec loader: a key that looks secret is masked even if nobody said so.
const SECRET_KEY = /PASSWORD|SECRET|TOKEN|KEY/i;

/**
 * Field-level differences between the definition a container was created from (its
 * `deployctl.config` label) and the one the spec asks for now. Every field of the definition
 * shapes the container, so each change forces a replacement.
 */
export function diffDefinitions(
  live: Record<string, unknown>,
  want: Record<string, unknown>,
  secrets: Secrets,
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of unionKeys(live, want)) {
    const before = live[field];
    const after = want[field];
    if (KEYED.has(field)) {
      const b = asRecord(before);
      const a = asRecord(after);
      for (const key of unionKeys(b, a)) {
        if (b[key] === a[key]) continue;
        const sensitive =
          field === 'environment' &&
          (secrets.keys.has(key) || SECRET_KEY.test(key) || isMaskedHash(b[key]) || isMaskedHash(a[key]));
        changes.push(fieldChange(`${field}.${key}`, b[key], a[key], sensitive, secrets));
      }
    } else if (canonical(before) !== canonical(after)) {
      changes.push(fieldChange(field, before, after, false, secrets));
    }
  }
  return changes;
}

/** One change; values are shortened, and replaced whole by `(sensitive)` if they hold a secret. */
export function fieldChange(
  field: string,
  before: unknown,
  after: unknown,
  sensitive: boolean,
  secrets: Secrets,
): FieldChange {
  let b = formatValue(field, before);
  let a = formatValue(field, after);
  if (sensitive || containsSecret(b, secrets) || containsSecret(a, secrets)) {
    sensitive = true;
    b = b === undefined ? undefined : SENSITIVE;
    a = a === undefined ? undefined : SENSITIVE;
  }
  const change: FieldChange = { field, sensitive, forcesReplacement: true };
  if (b !== undefined) change.before = b;
  if (a !== undefined) change.after = a;
  return change;
}

function containsSecret(text: string | undefined, secrets: Secrets): boolean {
  return text !== undefined && secrets.values.some((v) => v !== '' && text.includes(v));
}

/** A short, human form: ports and mounts as Compose writes them, the rest as compact JSON. */
export function formatValue(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (field === 'ports' && Array.isArray(value))
    text = (value as PortMapping[]).map(portText).join(', ');
  else if (field === 'mounts' && Array.isArray(value)) text = (value as Mount[]).map(mountText).join(', ');
  else if (field === 'networks' && Array.isArray(value)) text = value.map(String).join(', ');
  else text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function portText(p: PortMapping): string {
  const host = p.hostPort === undefined ? '' : `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}:`;
  return `${host}${p.containerPort}${p.protocol === 'udp' ? '/udp' : ''}`;
}

function mountText(m: Mount): string {
  const ro = 'readOnly' in m && m.readOnly ? ':ro' : '';
  switch (m.type) {
    case 'volume':
      return `${m.name}:${m.target}${ro}`;
    case 'dir':
      return `${m.dir}:${m.target}${ro}`;
    case 'bind':
      return `${m.source}:${m.target}${ro}`;
    case 'anonymous':
      return m.target;
  }
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}
