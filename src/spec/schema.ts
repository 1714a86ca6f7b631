import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { DeployctlError } from '../errors.js';
import { findShippedFile } from '../util/shipped-file.js';
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

function findSchemaFile(): string {
  const file = findShippedFile(SCHEMA_FILE);
  if (file) return file;
  throw new DeployctlError(
    'INTERNAL',
    `cannot find ${SCHEMA_FILE} beside deployctl; the deployctl installation is incomplete, reinstall it.`,
  );
}
