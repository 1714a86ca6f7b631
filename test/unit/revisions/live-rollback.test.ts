import { describe, expect, it } from 'vitest';
import { liveRollbackNote } from '../../../src/revisions/live-rollback.js';
import type { Revision } from '../../../src/revisions/revision.js';

const rev = (
  number: number,
  kind: Revision['kind'],
  deployId: string,
  extra: Partial<Revision> = {},
): Revision =>
  ({
    v: 1,
    number,
    kind,
    deploy_id: deployId,
    started_at: '2026-12-01T00:00:00Z',
    result: 'succeeded',
    who: 'ci@runner',
    services: [],
    ...extra,
  }) as Revision;

describe('liveRollbackNote', () => {
  it('GIVEN the live revision is a rollback WHEN planning another deploy id THEN it says applying rolls forward', () => {
    const revisions = [
      rev(3, 'rollback', 'd1', { previous_deploy_id: 'd2' }),
      rev(2, 'apply', 'd2'),
      rev(1, 'apply', 'd1'),
    ];
    expect(liveRollbackNote(revisions, 'd3')).toBe(
      'Generation d1 is live because of a rollback (revision 3, rollback to d1 from d2): applying this spec rolls forward to generation d3.',
    );
    expect(liveRollbackNote(revisions, 'd1')).toMatch(/this spec matches it\.$/);
  });

  it('GIVEN the live revision is an apply, or a down came last, or a failed rollback WHEN planning THEN no note', () => {
    expect(liveRollbackNote([rev(2, 'apply', 'd2'), rev(1, 'rollback', 'd1')], 'd3')).toBeUndefined();
    expect(liveRollbackNote([rev(3, 'down', '-'), rev(2, 'rollback', 'd1')], 'd3')).toBeUndefined();
    expect(
      liveRollbackNote([rev(3, 'rollback', 'd1', { result: 'failed' }), rev(2, 'apply', 'd2')], 'd3'),
    ).toBeUndefined();
    expect(liveRollbackNote([], 'd3')).toBeUndefined();
  });
});
