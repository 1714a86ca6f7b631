import { DeployctlError } from '../errors.js';
import type { Action, FieldChange, Plan } from './actions.js';
import { PLAN_FORMAT_VERSION } from './actions.js';
import type { ActionJson, FieldChangeJson, PlanJson } from './plan-json.js';
import { planValidator } from './plan-schema.js';

// Reading a saved plan is the only use of ajv outside the precompiled spec validator, so it
// lives apart from planToJson: `plan` and `apply` without a file never load ajv.

/**
 * Reads a plan saved by `plan --out`, validated against schemas/plan.schema.json.
 * @throws DeployctlError PLAN_FILE_INVALID naming what is wrong.
 */
export function parsePlanJson(text: string, file: string): Plan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `it is not JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
  const version = (data as { format_version?: unknown } | null)?.format_version;
  if (typeof version === 'number' && version !== PLAN_FORMAT_VERSION) {
    throw invalid(
      file,
      `it has format_version ${version}, and this deployctl reads format_version ${PLAN_FORMAT_VERSION}`,
    );
  }
  const validate = planValidator();
  if (!validate(data)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => {
      const where = e.instancePath === '' ? '(top level)' : e.instancePath;
      const extra =
        'additionalProperty' in e.params
          ? ` "${String(e.params.additionalProperty)}"`
          : 'allowedValues' in e.params
            ? ` (${(e.params.allowedValues as unknown[]).join(', ')})`
            : '';
      return `${where} ${e.message ?? 'is invalid'}${extra}`;
    });
    throw invalid(file, problems.join('; '));
  }
  return fromJson(data as PlanJson);
}

function invalid(file: string, what: string, cause?: unknown): DeployctlError {
  return new DeployctlError(
    'PLAN_FILE_INVALID',
    `${file} is not a usable deployctl plan: ${what}. Nothing was changed. Write a new one with \`deployctl plan --out ${file}\`.`,
    { cause },
  );
}

function fromJson(json: PlanJson): Plan {
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    project: json.project,
    deployId: json.deploy_id,
    replace: json.replace,
    specHash: json.spec_hash,
    stateFingerprint: json.state_fingerprint,
    actions: json.actions.map(actionFromJson),
    blockers: json.blockers,
    warnings: json.warnings,
    // `route` came with traffic switching; a plan saved before it had none to do.
    summary: { ...json.summary, route: json.summary.route ?? 0 },
  };
}

function actionFromJson(a: ActionJson): Action {
  const action: Action = {
    kind: a.kind,
    resource: a.resource,
    role: a.role,
    name: a.name,
    reason: a.reason,
    detail: a.detail,
    protected: a.protected,
    phase: a.phase,
    changes: a.changes.map(changeFromJson),
  };
  if (a.service !== null) action.service = a.service;
  if (a.deploy_id !== null) action.deployId = a.deploy_id;
  if (a.observed !== null) {
    action.observed = { id: a.observed.id, state: a.observed.state };
    if (a.observed.health !== null) action.observed.health = a.observed.health;
  }
  return action;
}

function changeFromJson(c: FieldChangeJson): FieldChange {
  const change: FieldChange = {
    field: c.field,
    sensitive: c.sensitive,
    forcesReplacement: c.forces_replacement,
  };
  if (c.before !== null) change.before = c.before;
  if (c.after !== null) change.after = c.after;
  return change;
}
