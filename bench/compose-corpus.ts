/**
 * `node dist/bench/compose-corpus.js`: how much of the Compose corpus (test/fixtures/compose-corpus)
 * deployctl takes. Three figures over the same services:
 *   - accepted as pasted: the Compose service block put as-is under apps.services (the file's
 *     volumes, networks and file secrets declared beside it, other services as stubs so
 *     depends_on resolves) gives `validate` no problem located in that service;
 *   - converted by init: `deployctl init --from` wrote a spec that validates, holding the service;
 *   - and how many notes init left for a person (CHECK comments).
 * No engine needed; nothing is timed.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { readComposeOrFail, runInit } from '../src/init/init.js';
import { loadSpec } from '../src/spec/load.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function repoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const corpus = join(repoRoot(dirname(fileURLToPath(import.meta.url))), 'test/fixtures/compose-corpus');
const stacks = readdirSync(corpus, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const keysAsEmpty = (decl: unknown): Obj =>
  Object.fromEntries(Object.keys(isObj(decl) ? decl : {}).map((k) => [k, {}]));
const fileDecls = (decl: unknown): Obj | undefined => {
  const kept = Object.entries(isObj(decl) ? decl : {}).filter(
    ([, d]) => isObj(d) && typeof d.file === 'string',
  );
  return kept.length > 0
    ? Object.fromEntries(kept.map(([k, d]) => [k, { file: (d as Obj).file }]))
    : undefined;
};

/** Whether one Compose service, pasted as it is, validates. */
async function acceptedAsPasted(
  dir: string,
  compose: Obj,
  name: string,
  env: Record<string, string>,
): Promise<boolean> {
  const services = isObj(compose.services) ? compose.services : {};
  const spec: Obj = {
    version: 1,
    project: 'pasted',
    infra: { volumes: keysAsEmpty(compose.volumes), networks: keysAsEmpty(compose.networks) },
    apps: {
      services: Object.fromEntries(
        Object.keys(services).map((n) => [n, n === name ? services[n] : { image: 'stub:1' }]),
      ),
    },
  };
  const secrets = fileDecls(compose.secrets);
  const configs = fileDecls(compose.configs);
  if (secrets) spec.secrets = secrets;
  if (configs) spec.configs = configs;
  const file = join(dir, 'pasted.yaml');
  writeFileSync(file, stringify(spec));
  const profiles = ['debug', 'dev', 'search'];
  const result = await loadSpec(file, { env, cwd: dir, profiles });
  if (result.ok) return true;
  const prefix = `apps.services.${name}`;
  return !result.issues.some(
    (i) =>
      i.path === prefix ||
      i.path.startsWith(`${prefix}.`) ||
      i.path.startsWith(`${prefix}[`) ||
      i.path === '',
  );
}

let services = 0;
let pasted = 0;
let converted = 0;
let filesWhole = 0;
let filesConverted = 0;
let attention = 0;
const rows: string[] = [];
for (const stack of stacks) {
  const dir = mkdtempSync(join(tmpdir(), `deployctl-bench-corpus-`));
  try {
    cpSync(join(corpus, stack), dir, { recursive: true });
    const base = { from: 'docker-compose.yml', output: 'deployctl.yaml', force: false, cwd: dir, env: {} };
    const read = await readComposeOrFail(base);
    if (!read.read.ok) continue;
    const { compose, dotenv } = read.read;
    const names = Object.keys(isObj(compose.services) ? compose.services : {});
    let ok = 0;
    for (const name of names) if (await acceptedAsPasted(dir, compose, name, dotenv)) ok++;
    const report = await runInit({ ...base, home: tmpdir(), volumes: { unavailable: 'bench' } }, read);
    const done = report.validation.ok ? report.services.length : 0;
    services += names.length;
    pasted += ok;
    converted += done;
    filesWhole += ok === names.length ? 1 : 0;
    filesConverted += report.validation.ok ? 1 : 0;
    attention += report.counts.attention;
    rows.push(
      `  ${stack.padEnd(18)} ${String(names.length).padStart(8)} ${String(ok).padStart(9)} ${String(done).padStart(9)} ${String(report.counts.attention).padStart(7)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (n: number, of: number): string => `${of === 0 ? 0 : Math.round((100 * n) / of)}%`;
process.stdout.write(
  [
    `compose corpus: ${stacks.length} files, ${services} services (test/fixtures/compose-corpus)`,
    `  ${'file'.padEnd(18)} services  pasted ok  init ok  checks`,
    ...rows,
    '',
    `services in the corpus:  ${services}`,
    `accepted as pasted:      ${pasted} (${pct(pasted, services)}); whole files ${filesWhole} of ${stacks.length}`,
    `converted by init:       ${converted} (${pct(converted, services)}); whole files ${filesConverted} of ${stacks.length}, ${attention} CHECK notes left for review`,
    '',
  ].join('\n'),
);
