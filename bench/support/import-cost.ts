/**
 * What importing one module costs a fresh node process: wall and CPU milliseconds around a
 * single `await import(...)`, the minimum over a few processes (the least disturbed by other
 * load). Each module is measured alone, so shared dependencies count in every row.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export interface ImportCost {
  module: string;
  wallMs: number;
  cpuMs: number;
}

const PROBE = `
const c0 = process.cpuUsage();
const t0 = performance.now();
const target = process.env.BENCH_IMPORT;
if (target) await import(target);
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));
`;

function probe(target: string, cwd: string): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE], {
      cwd,
      env: { ...process.env, BENCH_IMPORT: target },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { wallMs: number; cpuMs: number })
        : reject(new Error(`importing ${target} failed (exit ${code})`)),
    );
  });
}

/**
 * `modules` are bare package names (resolved from `cwd`, the repo root) or absolute file
 * paths (e.g. a dist/src module). Runs sequentially: the machine may have only 2 cores.
 */
export async function importCosts(modules: string[], cwd: string, reps = 3): Promise<ImportCost[]> {
  const out: ImportCost[] = [];
  for (const module of modules) {
    const target = module.startsWith('/') ? pathToFileURL(module).href : module;
    const runs = [];
    for (let i = 0; i < reps; i++) runs.push(await probe(target, cwd));
    out.push({
      module,
      wallMs: Math.min(...runs.map((r) => r.wallMs)),
      cpuMs: Math.min(...runs.map((r) => r.cpuMs)),
    });
  }
  return out;
}
