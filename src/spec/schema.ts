import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { DeployctlError } from '../errors.js';
import generatedValidator from './schema-validator.generated.js';

const SCHEMA_FILE = join('schemas', 'deployctl.schema.json');

/**
 * Validates plain spec data against schemas/deployctl.schema.json, through the validator ajv
 * generated ahead of time (scripts/compile-schema.mjs): compiling the schema at start-up would
 * cost every command ~190 ms. `errorMessage` / `patternErrorMessage` are the editors' (VS Code,
 * yaml-language-server) custom-message keywords; ajv only carries them as annotations.
 */
export function validateSchema(data: unknown): ErrorObject[] {
  const validate = generatedValidator as ValidateFunction;
  return validate(data) ? [] : [...(validate.errors ?? [])];
}

/** The schema as JSON, for tests and for `deployctl validate --schema`-like uses. */
export function readSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(findSchemaFile(), 'utf8')) as Record<string, unknown>;
}

// The schema ships beside src/ in the repository and beside dist/ in the package, so look
// upwards from this module rather than hard-coding how deep the compiled file sits.
function findSchemaFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, SCHEMA_FILE);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new DeployctlError(
    'INTERNAL',
    `cannot find ${SCHEMA_FILE} near ${fileURLToPath(import.meta.url)}; the deployctl installation is incomplete, reinstall it.`,
  );
}
