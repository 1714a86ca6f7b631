import type { InitReport } from './init.js';

/** The text summary of `deployctl init`: what went where, and what needs a person. */
export function renderInitText(r: InitReport): string {
  const lines = [
    r.unchanged
      ? `${r.output} already holds this conversion of ${r.from} (project ${r.project}); it was left as it is.`
      : `Wrote ${r.output} (project ${r.project}) from ${r.from}.`,
    '',
  ];
  for (const s of r.services) {
    const build = s.build ? `; built from ${s.build.context}: needs image ${s.build.image}` : '';
    lines.push(`  ${s.role === 'infra' ? 'infra' : 'app  '}  ${s.name}: ${s.reason}${build}`);
  }
  for (const v of r.volumes)
    lines.push(
      `  volume ${v.name}${v.external ? ' (external)' : ''}${v.exists === null ? '' : v.exists ? ': exists on the engine' : ': not on the engine yet'}`,
    );
  for (const d of r.dirs) lines.push(`  dir    ${d.name}: ${d.path}`);
  if (r.engine_note) lines.push('', `Note: ${r.engine_note}.`);
  const attention = r.notes.filter((n) => n.kind === 'attention');
  if (attention.length > 0) {
    lines.push('', `Needs attention (${attention.length}, also as "init: CHECK" comments in the file):`);
    for (const n of attention) lines.push(`  ${n.path || '(file)'}: ${n.message}`);
  }
  lines.push(
    '',
    `${r.counts.translated} translated, ${r.counts.dropped} dropped, ${r.counts.attention} to check; every one is a comment in ${r.output}.`,
  );
  if (r.validation.ok)
    lines.push(`${r.output} is valid. Next: review it, then deployctl plan -f ${r.output}.`);
  else lines.push(`${r.output} does not validate yet:`, ...r.validation.problems.map((p) => `  ${p}`));
  return lines.join('\n');
}
