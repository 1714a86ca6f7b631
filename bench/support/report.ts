/** Statistics and the plain-text table the benchmarks print. */

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const min = (xs: number[]): number => Math.min(...xs);

/** `0.412 s (min 0.398)` for a set of timings in seconds. */
export function secs(xs: number[]): string {
  return xs.length === 0 ? '-' : `${median(xs).toFixed(3)} s (min ${min(xs).toFixed(3)})`;
}

export type Verdict = 'PASS' | 'MISS' | 'info';

export interface Row {
  figure: string;
  deployctl: string;
  baseline: string;
  ratio: string;
  target: string;
  verdict: Verdict;
}

/** Columns padded to their widest cell; no wrapping, so it survives being pasted into a report. */
export function table(rows: Row[]): string {
  const head: Row = {
    figure: 'figure',
    deployctl: 'deployctl',
    baseline: 'baseline',
    ratio: 'ratio',
    target: 'target',
    verdict: 'info',
  };
  const keys = ['figure', 'deployctl', 'baseline', 'ratio', 'target', 'verdict'] as const;
  const cell = (r: Row, k: (typeof keys)[number]) => (r === head && k === 'verdict' ? 'result' : r[k]);
  const widths = keys.map((k) => Math.max(...[head, ...rows].map((r) => cell(r, k).length)));
  const line = (r: Row) =>
    keys
      .map((k, i) => cell(r, k).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function log(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}
