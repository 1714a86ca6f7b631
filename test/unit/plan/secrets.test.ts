import { describe, expect, it } from 'vitest';
import { planToJson } from '../../../src/plan/plan-json.js';
import { planDeploy } from '../../../src/plan/planner.js';
import { plainStyle, renderPlanText } from '../../../src/plan/render-text.js';
import { OLD_SECRET, SECRET, sanchoScenario } from './scenario.js';

describe('secrets never appear in plan output', () => {
  it.each([[[]], [['db']], [['db', 'traefik']]])(
    'GIVEN a spec and live containers whose env hold secrets WHEN planned with --replace %j THEN neither the new nor the old secret is in the text or JSON',
    (replace) => {
      const { spec, observed, deployId } = sanchoScenario();
      const plan = planDeploy({ spec, observed, deployId, replace });
      // The db's secret changed, so it shows up as a change: the values must not.
      expect(
        plan.actions.some((a) => a.changes.some((c) => c.field === 'environment.POSTGRES_PASSWORD')),
      ).toBe(true);
      const outputs = [renderPlanText(plan, plainStyle), JSON.stringify(planToJson(plan))];
      for (const out of outputs) {
        expect(out).not.toContain(SECRET);
        expect(out).not.toContain(OLD_SECRET);
        expect(out).toContain('(sensitive)');
      }
    },
  );

  it('GIVEN an app generation replaced in place WHEN its secret-bearing URL changed THEN only (sensitive) is shown', () => {
    const { spec, observed } = sanchoScenario();
    // Re-deploy d2 (the running generation, created from the old spec) so the backend is replaced in place.
    const plan = planDeploy({ spec, observed, deployId: 'd2', replace: [] });
    const backend = plan.actions.find((a) => a.name === 'sancho_backend_d2')!;
    expect(backend.kind).toBe('replace');
    expect(backend.changes.find((c) => c.field === 'environment.DATABASE_URL')).toMatchObject({
      sensitive: true,
      before: '(sensitive)',
    });
    for (const out of [renderPlanText(plan, plainStyle), JSON.stringify(planToJson(plan))]) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(OLD_SECRET);
    }
  });
});
