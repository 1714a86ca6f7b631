/**
 * `npm run bench`: runs each benchmark in its own node process, one after the other (the host
 * may have two cores; benchmarks running together would measure each other). Arguments are
 * passed through, e.g. `npm run bench -- --reps 3`. Exits non-zero if a benchmark failed to
 * run; a missed target is a printed figure, not a failure.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BENCHES = [
  'plan-apply.js',
  'backup-restore.js',
  'crash-sweep.js',
  'traffic.js',
  'hostile-input.js',
  'ssh.js',
  'compose-corpus.js',
];

function runBench(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...process.argv.slice(2)], { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

// Ctrl+C reaches the benchmark too (same process group): wait for it to clean up and exit.
process.on('SIGINT', () => undefined);

let failed = 0;
for (const name of BENCHES) {
  const file = join(here, name);
  if (!existsSync(file)) {
    process.stderr.write(`bench: ${name} not built, skipped\n`);
    continue;
  }
  process.stderr.write(`bench: === ${name} ===\n`);
  const code = await runBench(file);
  if (code === 130) process.exit(130);
  if (code !== 0) {
    process.stderr.write(`bench: ${name} exited ${code}\n`);
    failed++;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
