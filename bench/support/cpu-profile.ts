/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) into where the wall time of one CLI
 * run went: idle (waiting on the engine or the disk), garbage collection, and CPU per package,
 * split into module loading (compile + top-level evaluation) and running code.
 *
 *   node dist/bench/support/cpu-profile.js FILE.cpuprofile
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** From the profiler's start (after node's own bootstrap) to its end, ms. */
  totalMs: number;
  /** Category → ms, largest first. */
  rows: [string, number][];
  /** Module loading per package that was imported from outside node_modules (incl. its deps). */
  importsMs: [string, number][];
}

const SPECIAL: Record<string, string> = {
  '(idle)': 'idle (waiting: engine round-trips, disk)',
  '(garbage collector)': 'garbage collection',
  '(program)': 'V8 / native (program)',
};

const LOADER = /^node:internal\/(modules\/|vm)/;

/** The package (or deployctl layer) a script URL belongs to. */
export function ownerOf(url: string): string | undefined {
  if (url === '' || url.startsWith('node:')) return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  const ours = /\/dist\/(src\/[^/]+|bench)\//.exec(url);
  return ours ? `deployctl ${ours[1]}` : 'other';
}

export function summariseProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const rows = new Map<string, number>();
  const imports = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, ms: number) => m.set(k, (m.get(k) ?? 0) + ms);

  profile.samples.forEach((id, i) => {
    // Sample i stands for the interval up to the next sample.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const special = SPECIAL[byId.get(id)!.callFrame.functionName];
    if (special) {
      add(rows, special, ms);
      return;
    }
    let innermost: string | undefined;
    let outermostPkg: string | undefined;
    let loading = false;
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const url = byId.get(n)!.callFrame.url;
      if (LOADER.test(url)) loading = true;
      const owner = ownerOf(url);
      if (owner && innermost === undefined) innermost = owner;
      if (owner && !owner.startsWith('deployctl') && owner !== 'other') outermostPkg = owner;
    }
    const who = innermost ?? 'node internals';
    add(rows, `${loading ? 'load' : 'run '} ${who}`, ms);
    if (loading)
      add(
        imports,
        outermostPkg ??
          (innermost?.startsWith('deployctl') ? 'deployctl (own modules)' : '(loader, unattributed)'),
        ms,
      );
  });
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    rows: sorted(rows),
    importsMs: sorted(imports),
  };
}

export async function summariseProfileFile(file: string): Promise<ProfileSummary> {
  return summariseProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile);
}

/** Human lines: the top categories, then module loading by imported package. */
export function formatProfileSummary(s: ProfileSummary, top = 12): string {
  const line = ([k, ms]: [string, number]) => `  ${ms.toFixed(0).padStart(6)} ms  ${k}`;
  return [
    `profiled ${s.totalMs.toFixed(0)} ms (from profiler start to exit; node's own bootstrap before it is not included)`,
    ...s.rows.slice(0, top).map(line),
    'module loading by imported package (incl. its dependencies):',
    ...s.importsMs.slice(0, top).map(line),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/bench/support/cpu-profile.js FILE.cpuprofile\n');
    process.exit(1);
  }
  console.log(formatProfileSummary(await summariseProfileFile(file), 25));
}
