import type {
  Action,
  ActionKind,
  ActionRole,
  Blocker,
  Phase,
  Plan,
  PlanSummary,
  PlanWarning,
  ReasonCode,
  ResourceKind,
} from './actions.js';
import { PLAN_FORMAT_VERSION } from './actions.js';

/**
 * The plan as `plan --json` prints it and `plan --out FILE` saves it: snake_case keys, every key
 * always present (null when it does not apply), documented by schemas/plan.schema.json.
 */
export interface PlanJson {
  format_version: typeof PLAN_FORMAT_VERSION;
  project: string;
  deploy_id: string;
  spec_hash: string;
  state_fingerprint: string;
  replace: string[];
  summary: PlanSummary;
  actions: ActionJson[];
  blockers: Blocker[];
  warnings: PlanWarning[];
}

export interface ActionJson {
  kind: ActionKind;
  resource: ResourceKind;
  role: ActionRole;
  name: string;
  service: string | null;
  deploy_id: string | null;
  reason: ReasonCode;
  detail: string;
  protected: boolean;
  phase: Phase;
  /** Fields whose change alone forces a recreate; derived from `changes`. */
  forces_replacement: string[];
  changes: FieldChangeJson[];
  observed: { id: string; state: string; health: string | null } | null;
}

export interface FieldChangeJson {
  field: string;
  before: string | null;
  after: string | null;
  sensitive: boolean;
  forces_replacement: boolean;
}

export function planToJson(plan: Plan): PlanJson {
  return {
    format_version: PLAN_FORMAT_VERSION,
    project: plan.project,
    deploy_id: plan.deployId,
    spec_hash: plan.specHash,
    state_fingerprint: plan.stateFingerprint,
    replace: [...plan.replace],
    summary: { ...plan.summary },
    actions: plan.actions.map(actionToJson),
    blockers: plan.blockers.map((b) => ({ code: b.code, target: b.target, message: b.message })),
    warnings: plan.warnings.map((w) => ({ code: w.code, target: w.target, message: w.message })),
  };
}

function actionToJson(a: Action): ActionJson {
  return {
    kind: a.kind,
    resource: a.resource,
    role: a.role,
    name: a.name,
    service: a.service ?? null,
    deploy_id: a.deployId ?? null,
    reason: a.reason,
    detail: a.detail,
    protected: a.protected,
    phase: a.phase,
    forces_replacement: a.changes.filter((c) => c.forcesReplacement).map((c) => c.field),
    changes: a.changes.map((c) => ({
      field: c.field,
      before: c.before ?? null,
      after: c.after ?? null,
      sensitive: c.sensitive,
      forces_replacement: c.forcesReplacement,
    })),
    observed: a.observed
      ? { id: a.observed.id, state: a.observed.state, health: a.observed.health ?? null }
      : null,
  };
}

/**
 * Reads a saved plan (`plan --out`). Anything that is not a valid plan of this format version
 * is a PLAN_FILE_INVALID error naming the file and what is wrong with it.
 */
