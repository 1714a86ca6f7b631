import { basename, dirname, relative, resolve } from 'node:path';
import { isSeq } from 'yaml';
import type { ErrorCode, SpecIssue } from '../errors.js';
import { checkBounds } from './bounds.js';
import { resolveExtends } from './compose-extends.js';
import { selectProfiles } from './compose-profiles.js';
import { readTextSync } from './env-file.js';
import { readInputText, type InputProblem } from './input-file.js';
import { MAX_ALIAS_EXPANSION, specByteLimit } from './input-limits.js';
import { interpolateDocument } from './interpolate-doc.js';
import { IssueList, finalIssues, formatPath } from './issues.js';
import { Locator, type SpecPath } from './locate.js';
import { createMasker } from './masker.js';
import type { Spec } from './model.js';
import { normalizeSpec } from './normalize.js';
import type { RawSpec } from './raw.js';
import { reportSchemaErrors } from './schema-issues.js';
import { validateSchema } from './schema.js';
import { secretNameTest } from './secrets.js';
import { readDotenvBeside, unreadableSpec } from './spec-files.js';
import { parseYaml } from './yaml-source.js';

export interface LoadOptions {
  /** The process environment, passed in by the CLI. */
  env: Record<string, string | undefined>;
  /** Base of a relative `file`, and what paths in messages are shown relative to. */
  cwd: string;
  /** Resolved by the CLI: flag > DEPLOY_ID env > generated. */
  deployId?: string;
  /** Where deployId came from, to name it in an error (`--deploy-id` / `DEPLOY_ID`). */
  deployIdSource?: 'flag' | 'env' | 'generated';
  /** Service named on the command line as the database target. */
  dbService?: string;
  /** Compose profiles selected (`--profile`, else DEPLOYCTL_PROFILES), resolved by the CLI. */
  profiles?: readonly string[];
  /**
   * For commands that only read (status, history, events, logs): a variable that is not set
   * here (a CI secret on an operator's laptop) leaves the values using it unknown, with a
   * warning, instead of refusing the run. `spec.unresolved` lists them.
   */
  readOnly?: boolean;
}

export type LoadResult =
  | { ok: true; spec: Spec; warnings: SpecIssue[] }
  | {
      ok: false;
      issues: SpecIssue[];
      warnings: SpecIssue[];
      /** Set when the input was refused before validation: over a limit, or not text. */
      code?: InputErrorCode;
    };

/** Error codes of input refused before validation (see input-limits.ts). */
export type InputErrorCode = Extract<ErrorCode, 'SPEC_TOO_LARGE' | 'SPEC_NOT_TEXT' | 'BAD_ARGUMENT'>;

type Mask = (text: string) => string;

/**
 * Reads deployctl.yaml (and `.env` beside it) and returns the normalized Spec, or every
 * problem found, each located as `file:line:col`. Never throws for anything in the user's
 * files. Secret values never appear in the returned messages.
 *
 * Stages: YAML → interpolation (on the YAML tree, so positions stay) → JSON Schema →
 * per-service normalization and cross-service checks. A stage runs only when the previous
 * ones found no errors, since its findings would mostly be echoes of theirs.
 */
export async function loadSpec(file: string, opts: LoadOptions): Promise<LoadResult> {
  const abs = resolve(opts.cwd, file);
  const dir = dirname(abs);
  const shown = (p: string): string => relative(opts.cwd, p) || basename(p);
  const display = shown(abs);

  const limit = specByteLimit(opts.env);
  if (!limit.ok) return refused(display, 'BAD_ARGUMENT', limit.message);
  const read = await readInputText(abs, limit.limit);
  if (!read.ok) return refusedInput(unreadableSpec(display, read.problem), read.problem);
  const text = read.text;
  const dotenv = await readDotenvBeside(dir, shown, limit.limit);
  if (dotenv.overLimit) return failed(dotenv.issues, [], (t) => t, 'SPEC_TOO_LARGE');
  const lookup = (name: string): string | undefined => opts.env[name] ?? dotenv.values[name];

  const { source, problems } = parseYaml(text);
  const locator = new Locator(source);
  const issues = new IssueList(display, locator);
  issues.errors.push(...dotenv.issues);
  for (const p of problems) {
    issues.errors.push({
      file: display,
      line: p.line,
      col: p.col,
      path: formatPath(p.path),
      severity: 'error',
      message: p.message,
    });
  }

  const isSecretName = secretNameTest(listedSecrets(source.doc.get('secrets', true)));
  // Until the spec is normalized, mask every secret-looking variable that could have been read.
  const secretVariables = [...new Set([...Object.keys(dotenv.values), ...Object.keys(opts.env)])]
    .filter(isSecretName)
    .flatMap((k) => lookup(k) ?? []);
  const maskWith = (values: string[]): Mask => createMasker([...values, ...secretVariables]);

  if (problems.some((p) => p.limit))
    return failed(issues.errors, issues.warnings, maskWith([]), 'SPEC_TOO_LARGE');
  if (problems.some((p) => p.fatal)) return failed(issues.errors, issues.warnings, maskWith([]));
  if (source.doc.contents === null) {
    issues.fileError(
      'is empty; a spec needs at least version: 1 and project: (examples/sancho/deployctl.yaml is a starting point)',
    );
    return failed(issues.errors, issues.warnings, maskWith([]));
  }

  const interpolation = interpolateDocument(source, lookup, isSecretName, issues, opts.readOnly === true);
  for (const { path, variables } of interpolation.unresolved) {
    const names = variables.join(', ');
    issues.warning(
      path,
      `is unknown here: variable ${names} ${variables.length === 1 ? 'is' : 'are'} not set, so this read-only command goes on without it (commands that change anything need it)`,
    );
  }
  const mask = maskWith(interpolation.secretTexts);
  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/alias count/i.test(text)) {
      issues.fileError(
        `expands its aliases (*name) past ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} copies, as a YAML alias bomb does; it was not checked further. Use fewer aliases, or aliases of smaller anchors`,
      );
      return failed(issues.errors, issues.warnings, mask, 'SPEC_TOO_LARGE');
    }
    issues.fileError(`cannot be read as data: ${text}; simplify its anchors and aliases`);
    return failed(issues.errors, issues.warnings, mask);
  }

  if (issues.errors.length === 0) {
    resolveExtends(data, { dir, lookup, issues, readText: readTextSync });
    if (issues.errors.length > 0) return failed(issues.errors, issues.warnings, mask);
  }

  const schemaIssues = new IssueList(display, locator);
  reportSchemaErrors(validateSchema(data), data, schemaIssues);
  // A value whose interpolation failed already has its issue; its schema error would be an echo.
  const failedAt = new Set([...interpolation.failedNodes].map((n) => positionKey(locator.start(n))));
  issues.errors.push(...schemaIssues.errors.filter((i) => !failedAt.has(positionKey(i))));
  if (issues.errors.length > 0) return failed(issues.errors, issues.warnings, mask);
  // In a read-only run an unknown value is empty: what later stages say about it is an echo too.
  const dropEchoes = (): void => {
    const kept = issues.errors.filter((i) => !failedAt.has(positionKey(i)));
    issues.errors.splice(0, issues.errors.length, ...kept);
  };
  checkBounds(data as RawSpec, issues);
  dropEchoes();
  if (issues.errors.length > 0) return failed(issues.errors, issues.warnings, mask);

  selectProfiles(data, opts.profiles ?? [], issues);
  if (issues.errors.length > 0) return failed(issues.errors, issues.warnings, mask);

  const spec = normalizeSpec(
    {
      raw: data as RawSpec,
      file: abs,
      dir,
      deployId: opts.deployId,
      deployIdSource: opts.deployIdSource,
      dbService: opts.dbService,
    },
    {
      issues,
      lookup,
      isSecretName,
      isSensitiveAt: (path: SpecPath) => {
        const node = locator.node(path);
        return node !== undefined && interpolation.sensitiveNodes.has(node);
      },
      sourceOf: (path: SpecPath) => {
        const { line, col } = locator.position(path, 'key');
        return `${display}:${line}:${col}`;
      },
    },
  );
  dropEchoes();
  spec.sensitiveValues = [...new Set([...interpolation.secretTexts, ...spec.sensitiveValues])];
  if (interpolation.unresolved.length > 0) spec.unresolved = interpolation.unresolved.map((u) => u.path);
  const finalMask = maskWith(spec.sensitiveValues);
  if (issues.errors.length > 0) return failed(issues.errors, issues.warnings, finalMask);
  return { ok: true, spec, warnings: finalIssues(issues.warnings, finalMask) };
}

/** Input refused before it was parsed: nothing in it can be masked, nothing was interpolated. */
function refusedInput(issue: SpecIssue, problem: InputProblem): LoadResult {
  const code =
    problem.kind === 'too-large'
      ? 'SPEC_TOO_LARGE'
      : problem.kind === 'not-text'
        ? 'SPEC_NOT_TEXT'
        : undefined;
  return { ok: false, issues: [issue], warnings: [], ...(code ? { code } : {}) };
}

function refused(file: string, code: InputErrorCode, message: string): LoadResult {
  return {
    ok: false,
    issues: [{ file, line: 0, col: 0, path: '', severity: 'error', message }],
    warnings: [],
    code,
  };
}

function failed(errors: SpecIssue[], warnings: SpecIssue[], mask: Mask, code?: InputErrorCode): LoadResult {
  const result = {
    ok: false as const,
    issues: finalIssues(errors, mask),
    warnings: finalIssues(warnings, mask),
  };
  return code ? { ...result, code } : result;
}

function positionKey(p: { line: number; col: number } | undefined): string {
  return p ? `${p.line}:${p.col}` : '';
}

/** Names under top-level `secrets:`, read before interpolation since they decide masking. */
function listedSecrets(node: unknown): string[] {
  if (!isSeq(node)) return [];
  return node.items.flatMap((item) => {
    const value = (item as { value?: unknown } | null)?.value;
    return typeof value === 'string' ? [value] : [];
  });
}
