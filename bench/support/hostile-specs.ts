/**
 * Hostile inputs for deployctl's spec loading, generated deterministically from the sancho
 * example: the corpus (broken specs that must each be refused with exit 1 and a located
 * one-paragraph message) and the scaled specs the linearity benchmark times. Shared by
 * bench/hostile-input.ts (full corpus, figures) and test/unit/spec/hostile-corpus.test.ts and
 * test/e2e/hostile-input.test.ts (reduced, deterministic sets).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One broken spec: its bytes, or a special file standing in for the spec. */
export interface HostileCase {
  /** Unique, stable name: `family#n`. */
  name: string;
  family: string;
  /** The spec file's content; generated on demand (some are megabytes). */
  bytes: () => Buffer;
  /** Input that is not a regular file: the spec path is a directory / a character device. */
  special?: 'directory' | '/dev/zero' | '/dev/urandom';
}

function repoRoot(from: string): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    try {
      readFileSync(join(dir, 'package.json'));
      return dir;
    } catch {
      dir = dirname(dir);
    }
  }
  return dir;
}

/** The sancho example with its project renamed, so a run never touches a real sancho stack. */
export function exampleSpec(project = 'sancho'): string {
  const text = readFileSync(join(repoRoot(import.meta.dirname), 'examples/sancho/deployctl.yaml'), 'utf8');
  return project === 'sancho' ? text : text.replace(/sancho/g, project);
}

/** mulberry32: a small seeded generator, so every run builds the same corpus. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Each line with its start offset, skipping blank and comment-only lines. */
function contentLines(text: string): { start: number; line: string }[] {
  const out: { start: number; line: string }[] = [];
  let start = 0;
  for (const line of text.split('\n')) {
    if (line.trim() !== '' && !line.trim().startsWith('#')) out.push({ start, line });
    start += line.length + 1;
  }
  return out;
}

/** Offsets strictly inside a flow collection or a quoted scalar: cutting there leaves it open. */
function openConstructOffsets(text: string): number[] {
  const out: number[] = [];
  const re = /\[[^\]\n]*\]|'[^'\n]+'|"[^"\n]+"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // Skip those inside comments.
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (text.slice(lineStart, m.index).includes('#')) continue;
    for (let i = m.index + 1; i < m.index + m[0].length - 1; i++) out.push(i);
  }
  return out;
}

/** Replaces the first `key: …` line under the service `service` (or anywhere if undefined). */
function setLine(text: string, key: string, value: string, after = ''): string {
  const from = after ? text.indexOf(after) : 0;
  const re = new RegExp(`^(\\s*)${key}:.*$`, 'm');
  const head = text.slice(0, from);
  const tail = text.slice(from);
  const replaced = tail.replace(re, (_m, indent: string) => `${indent}${key}: ${value}`);
  if (replaced === tail) throw new Error(`hostile-specs: no "${key}:" line after "${after}"`);
  return head + replaced;
}

/** Wrong types and absurd numbers, each refused by the schema or by semantic checks. */
const WRONG_VALUES: [key: string, after: string, values: string[]][] = [
  ['keep_generations', 'cleanup:', ['many', '-1', '1e309', '[2]', '{a: 1}', '2.5', 'true', '100000000']],
  ['retries', '    db:', ['fifteen', '-3', '1e400', '[15]', '{n: 1}', '0x7fffffffffffffffffff', '.nan']],
  ['interval', '    backend:', ['"forever"', '-1s', '99999999999999999999h', '[1s]', '1 fortnight', '""']],
  ['version', '', ['2', '"one"', '[1]', '1.5', '-1', '999999999999999999999', 'null']],
  [
    'project',
    '',
    ['""', '"has space"', '"../../etc"', '"$(reboot)"', '[a]', '"a;rm -rf /"', '"名前"', '"x\\u202ey"'],
  ],
  ['keep', 'backups:', ['"ten"', '-10', '1e309', '[10]']],
  ['restart', '    db:', ['sometimes', '[always]', '42', '"always; reboot"']],
  [
    'depends_on',
    '    frontend:',
    ['[ghost]', '[frontend]', '42', '{backend: {condition: never}}', '"backend"x'],
  ],
  ['networks', '    frontend:', ['[nowhere]', '[1]', '"sancho_net"x', '{a: [b]}']],
  [
    'image',
    '    frontend:',
    ['""', '[image]', '{name: x}', '42', '"busybox latest"', '"Team/API:v1"', '"a:b:c"'],
  ],
  ['container_name', '    db:', ['""', '"/etc/passwd"', '"a b"', '[x]', '"$(id)"']],
  ['environment', '    backend:', ['"A=1"', '42', '[[nested]]', '{A: {B: C}}']],
  ['ports', '    proxy:', ['"80:80:80:80"', '[99999]', '[-1]', '["127.0.0.1:70000:80"]', '{a: 1}']],
  ['test', '    frontend:', ['42', '{CMD: x}', '[1, 2]']],
];

/** Service names users should never get away with (quoted as YAML keys). */
const BAD_NAMES = [
  '"; rm -rf /"',
  '"$(reboot)"',
  '"`id`"',
  '"../../etc/passwd"',
  '"名前"',
  '"web\\u202egnp"',
  '"zero\\u200bwidth"',
  '"a b"',
  '""',
  '"-leading-dash"',
  '"emoji🚀"',
  '"new\\nline"',
  '"tab\\tname"',
  '"semi;colon"',
  '"null\\0byte"',
  `"${'a'.repeat(300)}"`,
];

/** Bytes that are never text: NUL, other C0 controls, DEL, stray continuation/invalid UTF-8 leads. */
const BINARY = [
  0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xfe, 0xff,
];

/** Invalid UTF-8 sequences: overlong, surrogate, out of range, truncated. */
const BAD_UTF8 = [
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];

export const FAMILIES = [
  'truncation',
  'wrong-type',
  'duplicate-key',
  'tab-indent',
  'bom-plus-error',
  'utf16',
  'binary-bytes',
  'invalid-utf8',
  'deep-nesting',
  'alias-bomb',
  'oversized',
  'many-keys',
  'bad-name',
  'dependency-cycle',
  'dangling-reference',
  'merge-cycle',
  'multi-document',
  'empty',
  'special-file',
] as const;

/**
 * The corpus: `count` cases, families taken in turn, each mutation drawn from a generator seeded
 * by `seed`. The first FAMILIES.length cases hold one of each family, so any prefix of the
 * corpus of at least that length covers every family.
 */
export function hostileCorpus(count: number, seed = 12, project = 'sancho'): HostileCase[] {
  const base = exampleSpec(project);
  const cases: HostileCase[] = [];
  const counters = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const family = FAMILIES[i % FAMILIES.length]!;
    const n = counters.get(family) ?? 0;
    counters.set(family, n + 1);
    const r = rng(seed * 1_000_003 + i);
    cases.push({ name: `${family}#${n}`, family, ...mutate(family, base, r, n, project) });
  }
  return cases;
}

function mutate(
  family: (typeof FAMILIES)[number],
  base: string,
  r: Rand,
  n: number,
  project: string,
): Omit<HostileCase, 'name' | 'family'> {
  const text = (s: string) => ({ bytes: () => utf8(s) });
  switch (family) {
    case 'truncation': {
      const at = pick(r, openConstructOffsets(base));
      return text(base.slice(0, at));
    }
    case 'wrong-type': {
      const [key, after, values] = pick(r, WRONG_VALUES);
      return text(setLine(base, key, pick(r, values), after));
    }
    case 'duplicate-key': {
      // A `key: value` line repeated right below itself, at the same indent.
      const lines = contentLines(base).filter(({ line }) => /^\s*[a-z_]+:\s*\S/.test(line));
      const { start, line } = pick(r, lines);
      const end = start + line.length + 1;
      return text(`${base.slice(0, end)}${line}\n${base.slice(end)}`);
    }
    case 'tab-indent': {
      const lines = contentLines(base).filter(({ line }) => /^ {2,}[a-z_]+:/.test(line));
      const { start, line } = pick(r, lines);
      const indent = /^ +/.exec(line)![0].length;
      const tabbed = `${'\t'.repeat(int(r, 1, Math.max(1, indent / 2)))}${line.trimStart()}`;
      return text(base.slice(0, start) + tabbed + base.slice(start + line.length));
    }
    case 'bom-plus-error': {
      // A UTF-8 BOM is accepted (and dropped); what follows it is still broken.
      const [key, after, values] = pick(r, WRONG_VALUES);
      return {
        bytes: () =>
          Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(setLine(base, key, pick(r, values), after))]),
      };
    }
    case 'utf16': {
      const le = r() < 0.5;
      return {
        bytes: () => {
          const body = Buffer.from(base, 'utf16le');
          if (!le) body.swap16();
          return Buffer.concat([Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]), body]);
        },
      };
    }
    case 'binary-bytes': {
      const at = int(r, 0, base.length);
      const junk = Array.from({ length: int(r, 1, 16) }, () => pick(r, BINARY));
      return {
        bytes: () => Buffer.concat([utf8(base.slice(0, at)), Buffer.from(junk), utf8(base.slice(at))]),
      };
    }
    case 'invalid-utf8': {
      // Inside a comment or a value: the decoder, not the schema, must catch it.
      const at = int(r, 0, base.length);
      return {
        bytes: () =>
          Buffer.concat([utf8(base.slice(0, at)), Buffer.from(pick(r, BAD_UTF8)), utf8(base.slice(at))]),
      };
    }
    case 'deep-nesting': {
      const depth = int(r, 65, 20_000);
      const flow = r() < 0.5;
      return {
        bytes: () =>
          utf8(
            flow
              ? `${base}x-deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`
              : `${base}x-deep:\n${Array.from({ length: Math.min(depth, 2000) }, (_, d) => `${'  '.repeat(d + 1)}k${d}:`).join('\n')} end\n`,
          ),
      };
    }
    case 'alias-bomb': {
      // Each level lists `width` aliases of the previous one: width^levels nodes once expanded.
      const width = int(r, 4, 12);
      const levels = Math.ceil(Math.log(2000) / Math.log(width)) + int(r, 0, 6);
      const lines = [`  l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
      for (let l = 1; l <= levels; l++)
        lines.push(
          `  l${l}: &l${l} [${Array(width)
            .fill(`*l${l - 1}`)
            .join(', ')}]`,
        );
      return text(`${base}x-bomb:\n${lines.join('\n')}\n`);
    }
    case 'oversized': {
      // 1 MiB + something up to 10 MiB: padding a valid spec with comments, or one huge string.
      const size = 1024 * 1024 + int(r, 1, 9 * 1024 * 1024);
      const asComment = r() < 0.5;
      return {
        bytes: () =>
          asComment
            ? Buffer.concat([utf8(base), Buffer.alloc(size, '# padding padding padding padding\n')])
            : utf8(`${base}x-blob: "${'a'.repeat(size)}"\n`),
      };
    }
    case 'many-keys': {
      const keys = int(r, 50_001, 120_000);
      const asLabels = r() < 0.5;
      return {
        bytes: () =>
          utf8(
            asLabels
              ? `${base}x-keys:\n${Array.from({ length: keys }, (_, k) => `  k${k}: v`).join('\n')}\n`
              : `${base}x-list: [${Array.from({ length: keys }, (_, k) => k).join(',')}]\n`,
          ),
      };
    }
    case 'bad-name': {
      const name = pick(r, BAD_NAMES);
      const where = pick(r, ['apps', 'infra']);
      return text(
        base.replace(
          where === 'apps' ? '\n    frontend:\n' : '\n    proxy:\n',
          `\n    ${name}:\n      image: deployctl-fixture/app:v1\n${where === 'apps' ? '    frontend:' : '    proxy:'}\n`,
        ),
      );
    }
    case 'dependency-cycle': {
      // backend -> frontend -> backend (or a self-dependency).
      const self = r() < 0.3;
      return text(
        self
          ? setLine(base, 'depends_on', '[frontend]', '    frontend:')
          : setLine(base, 'depends_on', '[db, frontend]', '    backend:'),
      );
    }
    case 'dangling-reference': {
      const refs: [string, string, string][] = [
        ['depends_on', '    frontend:', `[ghost${n}]`],
        ['networks', '    backend:', `[${project}_nowhere${n}]`],
        ['volumes', '    proxy:', `\n        - undeclared${n}:/data`],
        ['image', '    frontend:', `\${UNSET_IMAGE_${n}:?is required}`],
      ];
      const [key, after, value] = pick(r, refs);
      return text(setLine(base, key, value, after));
    }
    case 'merge-cycle':
      return text(`${base}x-a: &a\n  <<: *a\n  k: v\nx-b: &b {<<: *b}\nx-c: *undefined_anchor${n}\n`);
    case 'multi-document':
      return text(`${base}---\n${base.slice(0, int(r, 0, 200))}\n`);
    case 'empty':
      return text(
        pick(r, [
          '',
          '\n',
          '# only a comment\n',
          '---\n',
          '   \n\n',
          '~\n',
          '[]\n',
          '"just a string"\n',
          '42\n',
        ]),
      );
    case 'special-file':
      return {
        bytes: () => Buffer.alloc(0),
        special: pick(r, ['directory', '/dev/zero', '/dev/urandom'] as const),
      };
  }
}

/** Shapes the linearity benchmark scales: each grows one dimension of an otherwise small spec. */
export const SCALED_SHAPES = [
  'services',
  'env-keys',
  'long-strings',
  'interpolations',
  'schema-errors',
  'unknown-keys',
  'duplicate-keys',
] as const;
export type ScaledShape = (typeof SCALED_SHAPES)[number];

/** A spec with about `n` units of `shape` (n services, n keys, n KB of string …). */
export function scaledSpec(shape: ScaledShape, n: number): string {
  const head = 'version: 1\nproject: scaled\napps:\n  services:\n';
  const svc = (i: number, extra = '') =>
    `    s${i}:\n      image: deployctl-fixture/app:v1\n      ports: ['127.0.0.1:${10000 + (i % 50000)}:8000']\n${extra}`;
  switch (shape) {
    case 'services':
      return head + Array.from({ length: n }, (_, i) => svc(i)).join('');
    case 'env-keys':
      return `${head}${svc(0, `      environment:\n${Array.from({ length: n }, (_, i) => `        K${i}: v${i}\n`).join('')}`)}`;
    case 'long-strings':
      return `${head}${svc(0, `      environment:\n        BIG: "${'x'.repeat(n * 1024)}"\n`)}`;
    case 'interpolations':
      return `${head}${svc(0, `      environment:\n${Array.from({ length: n }, (_, i) => `        K${i}: \${V${i % 100}:-d}-\${W:-w}\n`).join('')}`)}`;
    case 'schema-errors':
      // Every service has a wrong-typed port (a oneOf failure) and an unknown key.
      return (
        head +
        Array.from(
          { length: n },
          (_, i) =>
            `    s${i}:\n      image: deployctl-fixture/app:v1\n      ports: [{target: x${i}}]\n      portz: 1\n`,
        ).join('')
      );
    case 'unknown-keys':
      return `${head}${svc(0, Array.from({ length: n }, (_, i) => `      unknown${i}: 1\n`).join(''))}`;
    case 'duplicate-keys':
      return `${head}${svc(0, `      labels:\n${Array.from({ length: n }, (_, i) => `        k${i % Math.max(1, n >> 1)}: v\n`).join('')}`)}`;
  }
}
