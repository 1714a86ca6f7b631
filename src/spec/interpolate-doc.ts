import { isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import { interpolate, type Lookup } from './interpolate.js';
import type { IssueList } from './issues.js';
import { isMergeKey, keyText, type SpecPath } from './locate.js';
import type { YamlSource } from './yaml-source.js';

export interface InterpolationOutcome {
  /** Scalars whose value came, wholly or partly, from a secret variable. */
  sensitiveNodes: Set<Node>;
  /** The text each secret variable reference was replaced with (values and defaults). */
  secretTexts: string[];
  /** Scalars with an interpolation error: other checks on them would only add noise. */
  failedNodes: Set<Node>;
  /** Read-only runs: values left unknown because a variable is not set here, by path. */
  unresolved: { path: SpecPath; variables: string[] }[];
}

/**
 * Paths that must resolve even for a read-only command: they name what is looked at on the
 * engine (the project, a fixed container name).
 */
const MUST_RESOLVE = (path: SpecPath) =>
  (path.length === 1 && path[0] === 'project') || path[path.length - 1] === 'container_name';

/**
 * Interpolates every scalar string VALUE in place on the YAML tree, so positions stay
 * attached. Keys are never interpolated, nor the names listed under top-level `secrets:`.
 * Aliases are skipped: their target is interpolated where it is defined.
 */
export function interpolateDocument(
  source: YamlSource,
  lookup: Lookup,
  isSecret: (name: string) => boolean,
  issues: IssueList,
  /** Read-only commands: an unset variable leaves its value unknown instead of failing the run. */
  lenient = false,
): InterpolationOutcome {
  const outcome: InterpolationOutcome = {
    sensitiveNodes: new Set(),
    secretTexts: [],
    failedNodes: new Set(),
    unresolved: [],
  };

  const visitScalar = (node: Scalar, path: SpecPath): void => {
    if (typeof node.value !== 'string' || !node.value.includes('$')) return;
    const result = interpolate(node.value, lookup);
    const onlyUnset = result.errors.length === result.unset.length;
    if (lenient && result.errors.length > 0 && onlyUnset && !MUST_RESOLVE(path)) {
      outcome.unresolved.push({ path, variables: [...new Set(result.unset)] });
    } else {
      for (const message of result.errors) issues.error(path, message);
    }
    if (result.errors.length > 0) outcome.failedNodes.add(node);
    node.value = castAt(path, result.value);
    const secretUses = result.uses.filter((u) => isSecret(u.name));
    if (secretUses.length === 0) return;
    outcome.sensitiveNodes.add(node);
    for (const u of secretUses) if (u.text !== '') outcome.secretTexts.push(u.text);
    const inEnvironment = path.includes('environment') || String(path[0]).startsWith('x-');
    if (!inEnvironment) {
      const names = [...new Set(secretUses.map((u) => u.name))].join(', ');
      issues.warning(
        path,
        `uses secret variable ${names} outside environment:; deployctl masks it in its own output, but it is stored in plain text in the container's deployctl.config label; pass it through environment: instead`,
      );
    }
  };

  const walk = (node: unknown, path: SpecPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isMergeKey(pair.key)) continue;
        const key = keyText(pair.key);
        if (path.length === 0 && key === 'secrets') continue;
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    } else if (isScalar(node)) {
      visitScalar(node, path);
    }
  };

  walk(source.doc.contents, []);
  return outcome;
}

// Like Compose, fields the schema types as numbers or booleans accept a variable's text:
// `retries: ${RETRIES}` becomes 5, not "5". Only interpolated values are cast.
const INT_PATHS = [
  ['version'],
  ['*', 'services', '*', 'healthcheck', 'retries'],
  ['*', 'services', '*', 'ports', '#', 'target'],
  ['*', 'services', '*', 'ports', '#', 'published'],
  ['cleanup', 'keep_generations'],
  ['backups', 'keep'],
];
const BOOL_PATHS = [
  ['*', 'services', '*', 'init'],
  ['*', 'services', '*', 'healthcheck', 'disable'],
  ['*', 'services', '*', 'volumes', '#', 'read_only'],
  ['infra', 'volumes', '*', 'external'],
  ['infra', 'networks', '*', 'external'],
];

function castAt(path: SpecPath, text: string): string | number | boolean {
  if (/^-?[0-9]+$/.test(text) && INT_PATHS.some((p) => matches(p, path))) return Number(text);
  if (/^(true|false)$/i.test(text) && BOOL_PATHS.some((p) => matches(p, path)))
    return text.toLowerCase() === 'true';
  return text;
}

function matches(pattern: string[], path: SpecPath): boolean {
  return (
    pattern.length === path.length &&
    pattern.every((p, i) => p === '*' || (p === '#' ? typeof path[i] === 'number' : p === path[i]))
  );
}
