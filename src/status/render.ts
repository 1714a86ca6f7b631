import type { Style } from '../plan/style.js';
import type { StatusReport, StatusRow } from './report.js';

/** `deployctl status` as text: the rows, then why a row is not ok, kept generations and orphans. */
export function renderStatusText(r: StatusReport, style: Style): string {
  const head = [
    'SERVICE',
    'ROLE',
    'CONTAINER',
    'GENERATION',
    'STATE',
    'HEALTH',
    'UPTIME',
    'PORTS',
    'DRIFT',
    'PROTECTED',
  ];
  const rows = r.services.map((s) => [
    s.service,
    s.role,
    s.container,
    s.generation ?? '-',
    s.state,
    s.health_probed ? 'starting (check passed)' : (s.health ?? '-'),
    s.uptime_s === null ? '-' : uptime(s.uptime_s),
    ports(s),
    s.drift_summary ?? 'none',
    s.protected ? 'yes' : 'no',
  ]);
  const widths = head.map((t, i) => Math.max(t.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `Project ${r.project}, live generation ${r.live_generation ?? '(none)'}`,
    '',
    style.bold(line(head)),
    ...rows.map((row, i) => (r.services[i]!.ok ? line(row) : style.red(line(row)))),
  ];
  const drifted = r.services.filter((s) => s.drift.length > 0);
  if (drifted.length > 0) {
    out.push('', 'Drift from the spec (what `deployctl plan` shows; status changes nothing):');
    for (const s of drifted)
      for (const d of s.drift)
        out.push(`  ${s.service} ${d.field}: ${d.before ?? '(none)'} -> ${d.after ?? '(none)'}`);
  }
  out.push('', 'Kept generations (stopped, for rollback):');
  if (r.kept_generations.length === 0) out.push('  none');
  for (const g of r.kept_generations)
    out.push(`  ${g.deploy_id}  ${g.containers.map((c) => `${c.name} (${c.state})`).join(', ')}`);
  out.push('', 'Orphans (listed, never touched; remove them by hand if they are not needed):');
  if (r.orphans.length === 0) out.push('  none');
  for (const o of r.orphans)
    out.push(`  ${o.container}  ${o.state}  ${o.why}${o.protected ? ' (protected)' : ''}`);
  out.push('');
  if (r.ok) {
    out.push(style.green('OK: all infra and the live generation are running and healthy.'));
  } else {
    out.push(style.red(`NOT OK: ${r.problems.length} problem(s); nothing was changed.`));
    for (const p of r.problems) out.push(`  ${p}`);
    out.push('Check `deployctl logs SERVICE`; `deployctl apply` starts what is stopped or missing.');
  }
  return out.join('\n');
}

function uptime(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

function ports(s: StatusRow): string {
  if (s.ports.length === 0) return '-';
  return s.ports.map((p) => `${p.host_ip}:${p.host_port}->${p.container_port}/${p.protocol}`).join(',');
}
