/**
 * Benchmark (prints figures, not a test): hostile input.
 *   1. Linearity: `loadSpec` (what validate, plan and apply run first) on generated specs of
 *      1x, 10x and 100x size for each shape (services, keys, long strings, interpolations,
 *      schema errors, unknown keys, duplicate keys); prints the median time and the 10x/1x and
 *      100x/10x ratios. Linear growth shows as ratios near 10 (small sizes carry a fixed cost, so
 *      10x/1x is often below 10); quadratic growth as ratios near 100.
 *   2. The full hostile corpus (bench/support/hostile-specs.ts, 1,000 cases by default) loaded
 *      in-process: refused count, slowest cases; every case must be refused.
 *   3. A sample of the corpus through the built CLI (`validate`, `plan`, `apply -y`): exit code 1,
 *      one paragraph on stderr, no stack trace, and no container, network or volume of the
 *      corpus's project on the engine afterwards.
 *
 *   npm run build && node dist/bench/hostile-input.js [--reps 5] [--count 1000] [--cli-every 10]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIssue } from '../src/errors.js';
import { loadSpec } from '../src/spec/load.js';
import { deployctl } from './support/deployctl-cli.js';
import { docker } from './support/engine.js';
import { formatLoad, hostLoad } from './support/host-load.js';
import { median } from './support/report.js';
import {
  SCALED_SHAPES,
  hostileCorpus,
  scaledSpec,
  type HostileCase,
  type ScaledShape,
} from './support/hostile-specs.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v >= 0 ? Math.floor(v) : fallback;
}
const REPS = Math.max(1, flag('--reps', 5));
const COUNT = flag('--count', 1000);
const CLI_EVERY = flag('--cli-every', 10);
const say = (line: string) => process.stdout.write(`${line}\n`);

const root = mkdtempSync(join(tmpdir(), 'deployctl-bench-hostile-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** 1x unit count per shape; 10x and 100x multiply it. */
const BASE: Record<ScaledShape, number> = {
  services: 30,
  'env-keys': 100,
  'long-strings': 8,
  interpolations: 100,
  'schema-errors': 20,
  'unknown-keys': 100,
  'duplicate-keys': 100,
};

async function timeLoad(dir: string): Promise<{ ms: number; ok: boolean }> {
  const t = performance.now();
  const result = await loadSpec('deployctl.yaml', { env: {}, cwd: dir });
  return { ms: performance.now() - t, ok: result.ok };
}

async function linearity(): Promise<void> {
  say(`\n== 1. linearity: loadSpec median of ${REPS} (${formatLoad(hostLoad())})`);
  say(
    `${'shape'.padEnd(16)}${'1x'.padStart(12)}${'10x'.padStart(12)}${'100x'.padStart(12)}  ratio 10x/1x  100x/10x  bytes(100x)`,
  );
  for (const shape of SCALED_SHAPES) {
    const times: number[] = [];
    let bytes = 0;
    for (const scale of [1, 10, 100]) {
      const dir = join(root, `${shape}-${scale}`);
      mkdirSync(dir, { recursive: true });
      const text = scaledSpec(shape, BASE[shape] * scale);
      bytes = Buffer.byteLength(text);
      writeFileSync(join(dir, 'deployctl.yaml'), text);
      await timeLoad(dir); // warm-up
      const runs: number[] = [];
      for (let r = 0; r < REPS; r++) runs.push((await timeLoad(dir)).ms);
      times.push(median(runs));
    }
    const [a, b, c] = times as [number, number, number];
    say(
      `${shape.padEnd(16)}${`${a.toFixed(1)} ms`.padStart(12)}${`${b.toFixed(1)} ms`.padStart(12)}${`${c.toFixed(1)} ms`.padStart(12)}  ${(b / a).toFixed(1).padStart(12)}  ${(c / b).toFixed(1).padStart(8)}  ${bytes}`,
    );
  }
}

function place(c: HostileCase, base: string): string {
  const dir = join(base, c.name.replace(/[^a-z0-9-]/gi, '_'));
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, 'deployctl.yaml');
  if (c.special === 'directory') mkdirSync(spec);
  else if (c.special) symlinkSync(c.special, spec);
  else writeFileSync(spec, c.bytes());
  return dir;
}

async function corpusInProcess(corpus: HostileCase[]): Promise<number> {
  say(`\n== 2. corpus in-process: ${corpus.length} cases (${formatLoad(hostLoad())})`);
  const slow: { name: string; ms: number }[] = [];
  const failures: string[] = [];
  const byFamily = new Map<string, number[]>();
  for (const c of corpus) {
    const dir = place(c, root);
    const t = performance.now();
    let verdict: string | undefined;
    try {
      const result = await loadSpec('deployctl.yaml', { env: {}, cwd: dir });
      if (result.ok) verdict = 'loaded';
      else if (result.issues.length === 0) verdict = 'refused without an issue';
      else if (result.issues.some((i) => !formatIssue(i).startsWith('deployctl.yaml')))
        verdict = 'issue not located';
    } catch (err) {
      verdict = `threw ${(err as Error).message}`;
    }
    const ms = performance.now() - t;
    rmSync(dir, { recursive: true, force: true });
    if (verdict) failures.push(`${c.name}: ${verdict}`);
    slow.push({ name: c.name, ms });
    byFamily.set(c.family, [...(byFamily.get(c.family) ?? []), ms]);
  }
  say(`refused with located issues: ${corpus.length - failures.length}/${corpus.length}`);
  for (const f of failures) say(`  FAIL ${f}`);
  say(
    `per family (max ms): ${[...byFamily].map(([f, ms]) => `${f} ${Math.max(...ms).toFixed(0)}`).join(', ')}`,
  );
  slow.sort((a, b) => b.ms - a.ms);
  say(
    `slowest: ${slow
      .slice(0, 5)
      .map((s) => `${s.name} ${s.ms.toFixed(0)} ms`)
      .join(', ')}`,
  );
  return failures.length;
}

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

async function engineObjects(project: string): Promise<number> {
  const filters = { label: [`deployctl.project=${project}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return containers.length + networks.length + (volumes.Volumes?.length ?? 0);
}

async function corpusCli(corpus: HostileCase[], project: string): Promise<number> {
  const sample = corpus.filter((_, i) => i % CLI_EVERY === 0);
  say(
    `\n== 3. corpus through the CLI: ${sample.length} cases x validate, plan, apply (${formatLoad(hostLoad())})`,
  );
  const before = await engineObjects(project);
  const failures: string[] = [];
  const times: number[] = [];
  for (const c of sample) {
    const dir = place(c, root);
    for (const args of [['validate'], ['plan'], ['apply', '-y']]) {
      const run = await deployctl(args, {
        spec: join(dir, 'deployctl.yaml'),
        tag: 'v1',
        deployId: 'h1',
        okCodes: [0, 1, 2, 3],
      });
      times.push(run.wall * 1000);
      const paragraphs = run.stderr.trim().split(/\n\s*\n/).length;
      if (run.code !== 1) failures.push(`${c.name} ${args[0]}: exit ${run.code}`);
      else if (STACK_LINE.test(run.stderr)) failures.push(`${c.name} ${args[0]}: stack trace`);
      else if (paragraphs !== 1) failures.push(`${c.name} ${args[0]}: ${paragraphs} paragraphs`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  const after = await engineObjects(project);
  if (after !== before) failures.push(`engine objects of ${project}: ${before} before, ${after} after`);
  say(`exit 1, one paragraph, no stack: ${sample.length * 3 - failures.length}/${sample.length * 3}`);
  say(
    `CLI wall time: median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms (target < 2000 ms)`,
  );
  for (const f of failures) say(`  FAIL ${f}`);
  return failures.length;
}

const project = `hostile_${randomBytes(3).toString('hex')}`;
await linearity();
const corpus = hostileCorpus(COUNT, 12, project);
let failed = await corpusInProcess(corpus);
if (CLI_EVERY > 0) failed += await corpusCli(corpus, project);
say(`\n${failed === 0 ? 'PASS' : 'MISS'}: ${failed} failure(s)`);
