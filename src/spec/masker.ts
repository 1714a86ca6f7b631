/** What a secret value is replaced with in every output. */
export const MASK = '(sensitive)';

/** Shorter values would mask ordinary words and numbers all over the output. */
export const MIN_LENGTH = 4;

/**
 * A function that replaces every occurrence of the given secret values with `(sensitive)`.
 * Values shorter than 4 characters are left alone. One regular-expression pass with the
 * longest values first, so a secret that contains another is masked whole and a secret that
 * happens to be part of `(sensitive)` cannot corrupt an earlier replacement.
 */
export function createMasker(values: string[]): (text: string) => string {
  const secrets = [...new Set(values.filter((v) => v.length >= MIN_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  if (secrets.length === 0) return (text) => text;
  const pattern = new RegExp(secrets.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, MASK);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
