/**
 * Compose-style durations: units `h`, `m`, `s`, `ms` (and `d`, for ages such as `cleanup.max_age: 14d`) combined largest first or in any order
 * (`1m30s`, `1h`, `500ms`, `1.5s`), or a plain number of seconds (`30`, `"30"`). The schema's
 * duration pattern accepts exactly this set; keep the two in step.
 */
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|d|h|m|s)/gy;
const PLAIN = /^[0-9]+(?:\.[0-9]+)?$/;

/**
 * Milliseconds for a duration such as `1m30s` (→ 90000) or `30` (seconds), or undefined when
 * the input is not a duration — the caller knows which flag or key to name in its message.
 */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number')
    return Number.isFinite(input) && input >= 0 ? Math.round(input * 1000) : undefined;
  const text = input;
  if (text === '') return undefined;
  if (PLAIN.test(text)) return Math.round(Number(text) * 1000);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== at) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** `90000` → `1m30s`: the inverse of parseDuration for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
