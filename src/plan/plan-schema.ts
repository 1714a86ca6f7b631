import { existsSync, readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { DeployctlError } from '../errors.js';

// The schema ships beside the code (package.json "files": schemas) and is found from this module:
// src/plan/ when run from source, dist/src/plan/ when built.
const CANDIDATES = ['../../schemas/plan.schema.json', '../../../schemas/plan.schema.json'];

let compiled: ValidateFunction | undefined;

/** The compiled validator for schemas/plan.schema.json, compiled once. */
export function planValidator(): ValidateFunction {
  if (compiled) return compiled;
  const url = CANDIDATES.map((c) => new URL(c, import.meta.url)).find((u) => existsSync(u));
  if (!url) {
    throw new DeployctlError(
      'INTERNAL',
      'schemas/plan.schema.json was not found beside deployctl, so saved plans cannot be checked; the installation is incomplete. Reinstall deployctl.',
    );
  }
  const schema = JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
  compiled = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  return compiled;
}
