import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/plan/actions.js';
import { planDeploy } from '../../../src/plan/planner.js';
import { renderChange } from '../../../src/plan/render-changes.js';
import { plainStyle, renderPlanText, type Style } from '../../../src/plan/render-text.js';
import { buildSpec, matchingState, observedState, appService } from '../../support/builders.js';
import { sanchoScenario } from './scenario.js';

/** Marks every emphasis so tests can see which colour a piece got. */
const tagStyle: Style = {
  bold: (s) => `<b>${s}</b>`,
  dim: (s) => `<dim>${s}</dim>`,
  green: (s) => `<g>${s}</g>`,
  red: (s) => `<r>${s}</r>`,
  yellow: (s) => `<y>${s}</y>`,
  cyan: (s) => `<c>${s}</c>`,
};

function sancho(replace: string[] = []): Plan {
  const { spec, observed, deployId } = sanchoScenario();
  return planDeploy({ spec, observed, deployId, replace });
}

function lines(text: string): string[] {
  return text.trimEnd().split('\n');
}

describe('renderPlanText', () => {
  it('GIVEN the sancho plan WHEN rendered plainly THEN a header, the four groups in order and one line per action', () => {
    const out = lines(renderPlanText(sancho(), plainStyle));
    expect(out[0]).toBe('deployctl plan: project sancho, deploy d3');
    const titles = out.filter((l) => /^[A-Z]/.test(l) && !l.startsWith('Plan:'));
    expect(titles).toEqual([
      'Infrastructure (protected)',
      'Images',
      'Apps — generation d3',
      'Older generations',
      'Protected, untouched',
    ]);
    expect(out).toContain(
      '  +   volume traefik_logs [protected]: does not exist: will be created (and never removed)',
    );
    expect(out).toContain('  +   container sancho_backend_d3 (backend): does not exist: will be created');
    expect(out).toContain(
      '  <=  image registry.example.com/sancho/backend:v3: not present locally (needed by backend)',
    );
    expect(out).toContain(
      '  ■   container sancho_backend_d2 (backend, deploy d2): previous generation: will be stopped and kept for rollback',
    );
    expect(out).toContain(
      '  -   container sancho_backend_d0 (backend, deploy d0): older than the 1 kept generation: will be removed',
    );
    expect(out).toContain(
      '  =   container legacy_redis [protected]: protected by cleanup.protect "legacy_*": never touched',
    );
    expect(out).toContain(
      '  =   container sancho_cache (cache) [protected]: no longer in spec — protected, remove it by hand',
    );
  });

  it('GIVEN protected drift WHEN rendered THEN a drift line with the changed fields under it and the summary counts drift apart', () => {
    const out = lines(renderPlanText(sancho(), plainStyle));
    const i = out.findIndex((l) => l.includes('drift container sancho_traefik_persistent'));
    expect(out[i]).toMatch(
      /^ {2}~ {3}drift container sancho_traefik_persistent \(traefik\) \[protected\]: differs from the spec/,
    );
    expect(out[i + 1]).toBe('        ~ image: traefik:v2.10 → traefik:v2.11');
    expect(out.at(-1)).toBe(
      'Plan: 2 to create, 0 to replace, 1 to stop, 2 to remove, 1 to pull; 2 protected drift (not applied)',
    );
  });

  it('GIVEN --replace db WHEN rendered THEN -/+ on the db, its secret change shown only as (sensitive)', () => {
    const out = lines(renderPlanText(sancho(['db']), plainStyle));
    const i = out.findIndex((l) =>
      l.startsWith('  -/+ container sancho_db_v2 (db) [protected]: --replace db'),
    );
    expect(i).toBeGreaterThan(0);
    expect(out[i + 1]).toBe('        ~ environment.POSTGRES_PASSWORD: (sensitive)');
    expect(out).toContain('--replace: db');
    expect(out.at(-1)).toBe(
      'Plan: 2 to create, 1 to replace, 1 to stop, 2 to remove, 1 to pull; 1 protected drift (not applied)',
    );
  });

  it('GIVEN blockers and warnings WHEN rendered THEN Warning: and Error: lines before the summary', () => {
    const spec = buildSpec({ project: 'p', apps: [appService('api', { pullPolicy: 'never' })] });
    const p = planDeploy({ spec, observed: observedState(), deployId: 'd1', replace: [] });
    const withWarning: Plan = {
      ...p,
      warnings: [{ code: 'unhealthy', target: 'x', message: 'x reports unhealthy.' }],
    };
    const out = lines(renderPlanText(withWarning, plainStyle));
    expect(out).toContain('Warning: x reports unhealthy.');
    const error = out.find((l) => l.startsWith('Error: '));
    expect(error).toContain('image example/api:1 is not present locally and pull_policy is never');
    expect(out.indexOf(error!)).toBeLessThan(out.length - 1);
    expect(out.at(-1)).toMatch(/^Plan: /);
  });

  it('GIVEN a state that matches the spec WHEN rendered THEN noops are dimmed and the last line says No changes', () => {
    const spec = buildSpec({ project: 'p', apps: [appService('api')] });
    const p = planDeploy({ spec, observed: matchingState(spec, 'd1'), deployId: 'd1', replace: [] });
    const out = lines(renderPlanText(p, tagStyle));
    expect(out).toContain('  <dim>=  </dim> <dim>container p_api_d1 (api): up to date</dim>');
    expect(out.at(-1)).toBe('<g>No changes. Infrastructure and apps match the spec.</g>');
  });

  it('GIVEN start and pull counts WHEN rendered THEN they are included only when non-zero', () => {
    const spec = buildSpec({ project: 'p', apps: [appService('api')] });
    const p = planDeploy({ spec, observed: matchingState(spec, 'd1'), deployId: 'd1', replace: [] });
    const started: Plan = { ...p, summary: { ...p.summary, start: 3 } };
    expect(lines(renderPlanText(started, plainStyle)).at(-1)).toBe(
      'Plan: 0 to create, 3 to start, 0 to replace, 0 to stop, 0 to remove',
    );
  });
});

describe('renderChange', () => {
  it('GIVEN a changed value WHEN coloured THEN removed words red on the left, added words green on the right', () => {
    const line = renderChange(
      {
        field: 'image',
        before: 'traefik:v2.10',
        after: 'traefik:v2.11',
        sensitive: false,
        forcesReplacement: true,
      },
      tagStyle,
    );
    expect(line).toBe('<y>~</y> image: traefik:v2.<r>10</r> → traefik:v2.<g>11</g>');
    const words = renderChange(
      {
        field: 'command',
        before: 'serve --port 80',
        after: 'serve --port 8080',
        sensitive: false,
        forcesReplacement: true,
      },
      tagStyle,
    );
    expect(words).toBe('<y>~</y> command: serve --port <r>80</r> → serve --port <g>8080</g>');
  });

  it('GIVEN an added, a removed and a sensitive field THEN +, - and (sensitive)', () => {
    expect(
      renderChange(
        { field: 'environment.A', after: '1', sensitive: false, forcesReplacement: true },
        plainStyle,
      ),
    ).toBe('+ environment.A: 1');
    expect(
      renderChange(
        { field: 'environment.B', before: '2', sensitive: false, forcesReplacement: true },
        plainStyle,
      ),
    ).toBe('- environment.B: 2');
    expect(
      renderChange(
        {
          field: 'environment.PASSWORD',
          before: '(sensitive)',
          after: '(sensitive)',
          sensitive: true,
          forcesReplacement: true,
        },
        plainStyle,
      ),
    ).toBe('~ environment.PASSWORD: (sensitive)');
  });
});
