/**
 * Which variable and environment names hold secrets.
 *
 * The rule: split the name into words at `_`, `-`, `.` and lower→upper camelCase boundaries
 * (`PGPASSWORD` is one word, `dbPassword` two). The name is secret when a word
 *  - contains `PASSWORD` or `PASSWD` (so `PGPASSWORD`, `DBPASSWORD`), or
 *  - equals PASS, SECRET(S), TOKEN(S), KEY(S), APIKEY, PRIVATEKEY or CREDENTIAL(S), or
 *  - ends in SECRET or TOKEN (`CLIENTSECRET`, `GITHUBTOKEN`).
 * `PWD` is deliberately not a secret word: it is the shell's working directory.
 * Matching whole words keeps `MONKEY`, `KEYBOARD_LAYOUT`, `TOKENIZER` and `PASSENGER` public.
 * Over-masking is cheap, a leaked secret is not, so `PUBLIC_KEY` or `KEY_ID` are masked too.
 */
const SECRET_WORDS = new Set([
  'PASS',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'TOKENS',
  'KEY',
  'KEYS',
  'APIKEY',
  'PRIVATEKEY',
  'CREDENTIAL',
  'CREDENTIALS',
]);

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_\-.]+/)
    .filter((w) => w !== '')
    .map((w) => w.toUpperCase());
}

/** True when `name` (a variable or environment key) looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  return nameWords(name).some(
    (w) =>
      SECRET_WORDS.has(w) ||
      w.includes('PASSWORD') ||
      w.includes('PASSWD') ||
      w.endsWith('SECRET') ||
      w.endsWith('TOKEN'),
  );
}

/** Secret test that also honours the names listed under the spec's top-level `secrets:`. */
export function secretNameTest(listed: Iterable<string>): (name: string) => boolean {
  const set = new Set(listed);
  return (name) => set.has(name) || isSecretName(name);
}
