/**
 * Docker Compose variable interpolation of one string:
 * `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
 * `${VAR:?message}` / `${VAR?message}` (required), `${VAR:+alt}` / `${VAR+alt}` (alternate),
 * `$$` for a literal `$`. Defaults and alternates may themselves contain references.
 *
 * Unlike Compose, an unset `${VAR}` without a default is an error, not an empty string: a
 * deploy runs unattended and a silently empty image tag or password is worse than stopping.
 */
export type Lookup = (name: string) => string | undefined;

export interface VariableUse {
  name: string;
  /** The text that replaced the reference (the value, the default or the alternate). */
  text: string;
}

export interface InterpolationResult {
  value: string;
  uses: VariableUse[];
  /** Messages written as predicates of the value's path ("uses ${TAG} but …"). */
  errors: string[];
  /** Variables whose absence caused an error (not set, or required and empty): one per such error. */
  unset: string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?|:\+|\+)([\s\S]*))?$/;

export function interpolate(text: string, lookup: Lookup): InterpolationResult {
  const result: InterpolationResult = { value: '', uses: [], errors: [], unset: [] };
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    const next = text[i + 1] ?? '';
    if (c !== '$') {
      result.value += c;
      i++;
    } else if (next === '$') {
      result.value += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(text, i + 1);
      if (end < 0) {
        result.errors.push(`has "\${" without a closing "}"; close it, or write $$ for a literal $`);
        result.value += text.slice(i);
        break;
      }
      result.value += braced(text.slice(i + 2, end), lookup, result);
      i = end + 1;
    } else if (NAME_START.test(next)) {
      const name = NAME.exec(text.slice(i + 1))?.[0] ?? '';
      result.value += substitute(name, lookup(name), result, () => unsetMessage(name, `$${name}`));
      i += 1 + name.length;
    } else {
      result.errors.push(`has a "$" that starts no variable; write $$ for a literal $`);
      result.value += '$';
      i++;
    }
  }
  return result;
}

function braced(inner: string, lookup: Lookup, result: InterpolationResult): string {
  const match = BRACED.exec(inner);
  if (!match) {
    result.errors.push(
      `has an invalid reference "\${${inner}}"; write \${NAME}, \${NAME:-default} or \${NAME:?message}, or $$ for a literal $`,
    );
    return '';
  }
  const name = match[1] ?? '';
  const op = match[2];
  const arg = match[3] ?? '';
  const value = lookup(name);
  const empty = value === undefined || value === '';
  const nested = (): string => {
    const inner = interpolate(arg, lookup);
    result.uses.push(...inner.uses);
    result.errors.push(...inner.errors);
    result.unset.push(...inner.unset);
    return inner.value;
  };
  switch (op) {
    case undefined:
      return substitute(name, value, result, () => unsetMessage(name, `\${${name}}`));
    case ':-':
      return use(result, name, empty ? nested() : (value ?? ''));
    case '-':
      return use(result, name, value === undefined ? nested() : value);
    case ':?':
    case '?':
      if (op === ':?' ? empty : value === undefined) {
        const message = nested();
        result.unset.push(name);
        result.errors.push(
          `requires variable ${name}${op === ':?' ? ' to be set and not empty' : ' to be set'}${message ? `: ${message}` : ''}`,
        );
        return '';
      }
      return use(result, name, value ?? '');
    default: {
      const set = op === ':+' ? !empty : value !== undefined;
      return use(result, name, set ? nested() : '');
    }
  }
}

function substitute(
  name: string,
  value: string | undefined,
  result: InterpolationResult,
  unset: () => string,
): string {
  if (value === undefined) {
    result.unset.push(name);
    result.errors.push(unset());
    return '';
  }
  return use(result, name, value);
}

function use(result: InterpolationResult, name: string, text: string): string {
  result.uses.push({ name, text });
  return text;
}

function unsetMessage(name: string, ref: string): string {
  // `$NAME` is often meant for the container's shell (healthcheck, command): say how to keep it.
  const shell = ref.startsWith('${') ? '' : `, or $$${name} if the container's shell should expand it`;
  return `uses ${ref} but variable ${name} is not set; export it, add it to .env beside the spec, or write \${${name}:-default}${shell}`;
}

/** Index of the `}` closing the `{` at `open`, skipping nested `${…}`; -1 when unclosed. */
function closingBrace(text: string, open: number): number {
  let depth = 1;
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] === '$' && text[j + 1] === '{') {
      depth++;
      j++;
    } else if (text[j] === '}' && --depth === 0) {
      return j;
    }
  }
  return -1;
}
