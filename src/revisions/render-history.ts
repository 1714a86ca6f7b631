import type { History } from './history.js';

/** `deployctl history` as a table: newest first, the live revision starred. */
export function renderHistoryText(h: History): string {
  if (h.revisions.length === 0) {
    return `No revisions recorded for ${h.project} yet: the first \`deployctl apply\` that changes something records one.`;
  }
  const rows = h.revisions.map((r) => [
    `${r.number}${r.live ? '*' : ''}`,
    r.started_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    r.kind,
    r.deploy_id,
    r.result,
    r.who.ci ? `${r.who.by} (${r.who.ci})` : r.who.by,
    r.live ? 'live' : r.rollback.available ? 'can roll back' : `no: ${r.rollback.why}`,
  ]);
  const head = ['REV', 'STARTED (UTC)', 'KIND', 'DEPLOY ID', 'RESULT', 'BY', 'ROLLBACK'];
  const widths = head.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const images = h.revisions
    .filter((r) => r.live)
    .flatMap((r) =>
      r.services
        .filter((s) => s.role === 'app')
        .map(
          (s) =>
            `  ${s.container}: ${s.image}${s.image_id ? ` (${s.image_id.replace(/^sha256:/, '').slice(0, 12)})` : ''}`,
        ),
    );
  const footer =
    h.live_revision === null
      ? 'No revision is live (nothing deployed, or `deployctl down` ran last).'
      : `* live revision ${h.live_revision}${images.length ? `, running:\n${images.join('\n')}` : ''}`;
  return [line(head), ...rows.map(line), '', footer].join('\n');
}
