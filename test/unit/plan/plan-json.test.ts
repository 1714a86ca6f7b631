import { describe, expect, it } from 'vitest';
import { parsePlanJson } from '../../../src/plan/plan-file.js';
import { planToJson } from '../../../src/plan/plan-json.js';
import { planDeploy } from '../../../src/plan/planner.js';
import { sanchoScenario } from './scenario.js';

function sanchoPlan() {
  const { spec, observed, deployId } = sanchoScenario();
  return planDeploy({ spec, observed, deployId, replace: ['db'] });
}

function expectInvalid(text: string, ...fragments: string[]): void {
  try {
    parsePlanJson(text, 'plan.json');
  } catch (err) {
    expect(err).toMatchObject({ code: 'PLAN_FILE_INVALID' });
    for (const f of fragments) expect((err as Error).message).toContain(f);
    return;
  }
  expect.fail('parsePlanJson accepted an invalid plan');
}

describe('planToJson', () => {
  it('GIVEN a plan WHEN serialized THEN versioned, snake_case, every action key present', () => {
    const json = planToJson(sanchoPlan());
    expect(Object.keys(json)).toEqual([
      'format_version',
      'project',
      'deploy_id',
      'spec_hash',
      'state_fingerprint',
      'replace',
      'summary',
      'actions',
      'blockers',
      'warnings',
    ]);
    expect(json).toMatchObject({ format_version: 1, project: 'sancho', deploy_id: 'd3', replace: ['db'] });
    const db = json.actions.find((a) => a.name === 'sancho_db_v2')!;
    expect(db).toMatchObject({
      kind: 'replace',
      deploy_id: null,
      forces_replacement: ['environment.POSTGRES_PASSWORD'],
      changes: [
        {
          field: 'environment.POSTGRES_PASSWORD',
          before: '(sensitive)',
          after: '(sensitive)',
          sensitive: true,
          forces_replacement: true,
        },
      ],
    });
    expect(json.actions.find((a) => a.name === 'traefik_logs')).toMatchObject({
      service: null,
      observed: null,
    });
  });
});

describe('parsePlanJson', () => {
  it('GIVEN planToJson output WHEN parsed THEN the same plan comes back', () => {
    const plan = sanchoPlan();
    expect(parsePlanJson(JSON.stringify(planToJson(plan), null, 2), 'plan.json')).toEqual(plan);
  });

  it('GIVEN a plan saved before summary.route existed WHEN parsed THEN it reads with no route to do', () => {
    const plan = sanchoPlan();
    const json = planToJson(plan);
    const { route: _, ...older } = json.summary;
    expect(parsePlanJson(JSON.stringify({ ...json, summary: older }), 'plan.json').summary).toEqual({
      ...plan.summary,
      route: 0,
    });
  });

  it('GIVEN text that is not JSON THEN PLAN_FILE_INVALID naming the file', () => {
    expectInvalid('{not json', 'plan.json', 'not JSON');
  });

  it('GIVEN another format_version THEN PLAN_FILE_INVALID saying which versions', () => {
    const json = { ...planToJson(sanchoPlan()), format_version: 2 };
    expectInvalid(JSON.stringify(json), 'format_version 2', 'reads format_version 1');
  });

  it('GIVEN an unknown action kind THEN PLAN_FILE_INVALID pointing at it', () => {
    const json = planToJson(sanchoPlan());
    (json.actions[0] as { kind: string }).kind = 'destroy';
    expectInvalid(JSON.stringify(json), '/actions/0/kind', 'must be equal to one of the allowed values');
  });

  it('GIVEN a missing key and an extra key THEN both are reported', () => {
    const json: Record<string, unknown> = { ...planToJson(sanchoPlan()), extra: true };
    delete json.spec_hash;
    expectInvalid(
      JSON.stringify(json),
      "must have required property 'spec_hash'",
      'must NOT have additional properties "extra"',
    );
  });
});

describe('plan schema: every code the planner emits is one a saved plan may carry', () => {
  it('GIVEN a plan with an unproven generation, a volume_in_use blocker and a renamed_aside warning WHEN saved and read back THEN it validates', () => {
    const p = sanchoPlan();
    const backend = p.actions.find((a) => a.role === 'app' && a.deployId === 'd3')!;
    p.actions = [
      ...p.actions,
      { ...backend, kind: 'start', reason: 'unproven' },
      { ...backend, kind: 'start', reason: 'unproven_kept' },
      { ...backend, kind: 'start', reason: 'serving_unproven' },
    ];
    p.blockers = [{ code: 'volume_in_use', target: 'sancho_traefik_persistent', message: 'shared' }];
    p.warnings = [...p.warnings, { code: 'renamed_aside', target: 'x.replaced-1', message: 'aside' }];
    const back = parsePlanJson(JSON.stringify(planToJson(p)), 'plan.json');
    expect(back.actions.map((a) => a.reason)).toEqual(
      expect.arrayContaining(['unproven', 'unproven_kept', 'serving_unproven']),
    );
    expect(back.blockers.map((b) => b.code)).toEqual(['volume_in_use']);
  });
});
