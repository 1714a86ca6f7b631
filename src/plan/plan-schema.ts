import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { DeployctlError } from '../errors.js';
import { findShippedFile } from '../util/shipped-file.js';

let compiled: ValidateFunction | undefined;

/** The compiled validator for schemas/plan.schema.json, compiled once. */
export function planValidator(): ValidateFunction {
  if (compiled) return compiled;
  const file = findShippedFile(join('schemas', 'plan.schema.json'));
  if (!file) {
    throw new DeployctlError(
      'INTERNAL',
      'schemas/plan.schema.json was not found beside deployctl, so saved plans cannot be checked; the installation is incomplete. Reinstall deployctl.',
    );
  }
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  compiled = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  return compiled;
}
