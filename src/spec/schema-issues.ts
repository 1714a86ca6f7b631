import type { ErrorObject } from 'ajv/dist/2020.js';
import { unsupportedReason } from './compose-unsupported.js';
import type { IssueList } from './issues.js';
import type { SpecPath } from './locate.js';
import { didYouMean } from './suggest.js';

interface SchemaError {
  error: ErrorObject;
  path: SpecPath;
  pointer: string;
}

/**
 * Turns ajv's errors into one clear, located message per problem.
 *
 * ajv reports every `oneOf` branch: for `ports: [{target: 80, foo: 1}]` it says "must be
 * string", "must be integer", "unknown key foo" and "must match exactly one schema". Our oneOf
 * branches differ by type, so the branch meant is the one whose type matches the data: its
 * errors are kept, the other branches' type errors dropped. When no branch has the data's
 * type, one message says what the node must be (the schema's `errorMessage`).
 */
export function reportSchemaErrors(errors: ErrorObject[], data: unknown, issues: IssueList): void {
  const all = errors.map((error) => ({
    error,
    path: toPath(error.instancePath, data),
    pointer: error.instancePath,
  }));
  const consumed = new Set<ErrorObject>();
  // Indexed once: comparing every oneOf error with every other error was O(n²) in the errors.
  const byPointer = new Map<string, SchemaError[]>();
  const hasDescendant = new Set<string>();
  for (const item of all) {
    const list = byPointer.get(item.pointer);
    if (list) list.push(item);
    else byPointer.set(item.pointer, [item]);
    for (let i = item.pointer.lastIndexOf('/'); i >= 0; i = item.pointer.lastIndexOf('/', i - 1)) {
      const ancestor = item.pointer.slice(0, i);
      if (hasDescendant.has(ancestor)) break;
      hasDescendant.add(ancestor);
      if (i === 0) break;
    }
  }
  for (const item of all) {
    if (item.error.keyword !== 'oneOf') continue;
    const here = byPointer.get(item.pointer) ?? [];
    const atNode = here.filter((o) => o.error.keyword === 'type');
    const branchErrors =
      hasDescendant.has(item.pointer) || here.some((o) => o !== item && !atNode.includes(o));
    for (const o of atNode) consumed.add(o.error);
    consumed.add(item.error);
    if (!branchErrors) {
      const types = atNode.flatMap((o) => typeList(o.error.params.type));
      issues.error(item.path, schemaMessage(item.error, 'errorMessage') ?? `must be ${describeTypes(types)}`);
    }
  }
  // Several missing keys of one mapping make one message.
  const missing = new Map<string, string[]>();
  for (const { error, pointer } of all) {
    if (error.keyword === 'required' && !consumed.has(error)) {
      const keys = missing.get(pointer);
      if (keys) keys.push(String(error.params.missingProperty));
      else missing.set(pointer, [String(error.params.missingProperty)]);
    }
  }
  // Past a screenful the rest are the same mistake repeated; listing ten thousand unknown keys
  // (each with a did-you-mean) would cost seconds and help nobody.
  const left = all.filter((item) => !consumed.has(item.error));
  for (const item of left.slice(0, MAX_LISTED)) report(item, missing, issues);
  if (left.length > MAX_LISTED) {
    const rest = left.length - MAX_LISTED;
    issues.unlisted(
      rest,
      `${rest} more problems of the kinds listed here are left out; fix these and run \`deployctl validate\` again to see the rest`,
    );
  }
}

/** Schema problems listed one by one; the count of the rest is one more line. */
export const MAX_LISTED = 100;

function report(
  { error, path, pointer }: SchemaError,
  missing: Map<string, string[]>,
  issues: IssueList,
): void {
  const params = error.params as Record<string, unknown>;
  // ajv repeats a propertyNames failure as a summary error; the inner one is more precise.
  if (error.keyword === 'propertyNames') return;
  // `if` only says its `then` failed (image required unless extends); that error says what.
  if (error.keyword === 'if') return;
  if (error.propertyName !== undefined) {
    issues.error([...path, error.propertyName], messageFor(error, params), 'key');
    return;
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(
        (error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {},
      );
      const reason = unsupportedReason(path, key);
      const message = reason
        ? `has key "${key}", which ${reason}`
        : `has unknown key "${key}"${didYouMean(key, known)}`;
      issues.error(path, path.length === 0 ? `the file ${message}` : message, {
        path: [...path, key],
        at: 'key',
      });
      return;
    }
    case 'required': {
      const keys = missing.get(pointer) ?? [];
      if (keys[0] !== String(params.missingProperty)) return; // reported with the first one
      const list = keys.map((k) => `"${k}"`);
      const message = `is missing required key${keys.length > 1 ? `s ${list.slice(0, -1).join(', ')} and ${list.at(-1) ?? ''}` : ` ${list[0] ?? ''}`}`;
      issues.error(path, path.length === 0 ? `the file ${message}` : message, 'key');
      return;
    }
    default:
      issues.error(
        path,
        path.length === 0 ? `the file ${messageFor(error, params)}` : messageFor(error, params),
      );
  }
}

function messageFor(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'type':
      return schemaMessage(error, 'errorMessage') ?? `must be ${describeTypes(typeList(params.type))}`;
    case 'const':
      return schemaMessage(error, 'errorMessage') ?? `must be ${JSON.stringify(params.allowedValue)}`;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      return allowed.length === 1 ? `must be ${allowed[0] ?? ''}` : `must be one of ${allowed.join(', ')}`;
    }
    case 'pattern':
      return (
        schemaMessage(error, 'patternErrorMessage') ??
        schemaMessage(error, 'errorMessage') ??
        `must match ${String(params.pattern)}`
      );
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    case 'maxLength': {
      const length = typeof error.data === 'string' ? [...error.data].length : undefined;
      const described = (error.parentSchema as { description?: unknown } | undefined)?.description;
      const dnsLabel = typeof described === 'string' && described.includes('DNS label');
      return `is ${length ?? `more than ${String(params.limit)}`} characters long; at most ${String(params.limit)} are allowed${dnsLabel ? ' (it is a DNS label on the network)' : ''}`;
    }
    case 'minLength':
    case 'minItems':
      return params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} items`;
    case 'uniqueItems': {
      const list = error.data as unknown[];
      return `lists ${JSON.stringify(list[Number(params.j)])} more than once; remove the repeat`;
    }
    default:
      return error.message ?? 'is not valid';
  }
}

function schemaMessage(
  error: ErrorObject,
  keyword: 'errorMessage' | 'patternErrorMessage',
): string | undefined {
  const value: unknown = error.parentSchema?.[keyword];
  return typeof value === 'string' ? value : undefined;
}

function typeList(type: unknown): string[] {
  if (Array.isArray(type)) return type.map(String);
  return String(type).split(',');
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

function describeTypes(types: string[]): string {
  const words = [...new Set(types.map((t) => TYPE_WORDS[t] ?? t))];
  return words.length <= 1
    ? (words[0] ?? 'valid')
    : `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`;
}

/** JSON pointer → path, with list indexes as numbers (they print as `[0]`). */
function toPath(pointer: string, data: unknown): SpecPath {
  const path: (string | number)[] = [];
  let current = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      path.push(Number(segment));
      current = current[Number(segment)];
    } else {
      path.push(segment);
      current =
        current !== null && typeof current === 'object'
          ? (current as Record<string, unknown>)[segment]
          : undefined;
    }
  }
  return path;
}
