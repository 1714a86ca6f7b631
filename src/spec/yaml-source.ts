import {
  Composer,
  Lexer,
  LineCounter,
  Parser,
  YAMLParseError,
  isMap,
  isScalar,
  isSeq,
  type CST,
  type Document,
} from 'yaml';
import { MAX_ENTRIES, MAX_NESTING } from './input-limits.js';
import { isMergeKey, keyText } from './locate.js';

/** A parsed deployctl.yaml with the line index every position is computed from. */
export interface YamlSource {
  doc: Document.Parsed;
  lines: LineCounter;
}

export interface YamlProblem {
  line: number;
  col: number;
  /** Dotted path of the map holding a duplicate key; empty for syntax errors. */
  path: (string | number)[];
  message: string;
  /** Duplicate keys leave a usable document; syntax errors and limits do not. */
  fatal: boolean;
  /** Set when an input limit (nesting, entries) was crossed. */
  limit?: boolean;
}

/**
 * Parses the spec keeping node ranges. YAML 1.2 core schema like Compose (`yes` stays a
 * string), `<<` merge keys enabled because Compose files use them with `x-` anchors.
 */
export function parseYaml(text: string): { source: YamlSource; problems: YamlProblem[] } {
  const lines = new LineCounter();
  const { doc, tooDeepAt, tooManyAt } = parseGuarded(text, lines);
  if (tooDeepAt !== undefined) {
    const problem: YamlProblem = {
      ...lines.linePos(tooDeepAt),
      path: [],
      fatal: true,
      limit: true,
      message: `nests lists and mappings more than ${MAX_NESTING} levels deep; a spec needs fewer than 10, so this is not a spec (or is a YAML bomb)`,
    };
    return { source: { doc, lines }, problems: [problem] };
  }
  // After the first syntax error the parser's further complaints are mostly its echoes.
  const firstFatal = doc.errors[0];
  const fatal = firstFatal
    ? [
        {
          ...lines.linePos(firstFatal.pos[0]),
          path: [],
          fatal: true,
          message: `YAML syntax error: ${firstFatal.message.replace(/ at line \d+, column \d+.*$/s, '')}`,
        },
      ]
    : [];
  const scan = tooManyAt === undefined ? scanMappings(doc.contents) : { duplicates: [], tooManyAt };
  if (scan.tooManyAt !== undefined) {
    const problem: YamlProblem = {
      ...lines.linePos(scan.tooManyAt),
      path: [],
      fatal: true,
      limit: true,
      message: `has more than ${MAX_ENTRIES.toLocaleString('en-US')} keys and list items, far more than any spec needs; it was not checked further. Check that this is the file you meant`,
    };
    return { source: { doc, lines }, problems: [problem] };
  }
  const duplicates = scan.duplicates.map(({ offset, path }): YamlProblem => {
    const subject = path.length === 0 ? 'the file ' : '';
    return {
      ...lines.linePos(offset),
      path,
      fatal: false,
      message: `${subject}repeats the key ${keyTextAt(text, offset)}; YAML keeps only the last one, so remove or rename the other`,
    };
  });
  const problems = [...duplicates, ...fatal].sort((a, b) => a.line - b.line || a.col - b.col);
  return { source: { doc, lines }, problems };
}

function keyTextAt(text: string, offset: number): string {
  const key = /^["']?([^"':\n]*)/.exec(text.slice(offset, offset + 1024))?.[1]?.trim();
  return key ? `"${key}"` : 'a key';
}

/**
 * Like yaml's parseDocument, but stops at the first collection nested more than MAX_NESTING
 * deep: yaml composes recursively, and a few thousand `[` overflow the stack. The CST parser
 * keeps its own stack, so its depth is known token by token, before anything recursive runs.
 *
 * Keys are not checked for uniqueness here: yaml's own check compares each key with every
 * earlier one (O(n²), 4 s for 10k keys); scanMappings does it with one set per mapping.
 */
function parseGuarded(
  text: string,
  lines: LineCounter,
): { doc: Document.Parsed; tooDeepAt?: number; tooManyAt?: number } {
  const parser = new Parser(lines.addNewLine);
  let tooDeepAt: number | undefined;
  let tooManyAt: number | undefined;
  // Entries counted from the tokens (`key:`, `- item`, `a, b`) stop a huge document before
  // yaml builds a node for each; scanMappings counts exactly once the document is built.
  let indicators = 0;
  // The parser's stack holds the document and a pending scalar besides the collections.
  const maxStack = MAX_NESTING + 2;
  function* tokens(): Generator<CST.Token> {
    lines.addNewLine(0);
    for (const lexeme of new Lexer().lex(text)) {
      yield* parser.next(lexeme);
      if (parser.stack.length > maxStack) {
        tooDeepAt = parser.offset - lexeme.length;
        return;
      }
      if ((lexeme === ':' || lexeme === '-' || lexeme === ',') && ++indicators > MAX_ENTRIES) {
        tooManyAt = parser.offset - lexeme.length;
        return;
      }
    }
    yield* parser.end();
  }
  const composer = new Composer({ merge: true, prettyErrors: false, uniqueKeys: false });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens(), true, text.length)) {
    if (!doc) {
      doc = next;
    } else {
      const message = 'Source contains multiple documents; a spec is one YAML document';
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', message));
      break;
    }
  }
  // compose() with forceDoc always yields a document.
  return { doc: doc!, tooDeepAt, tooManyAt };
}

interface MappingScan {
  /** Every repeated scalar key, at its later occurrence, with the path of its mapping. */
  duplicates: { offset: number; path: (string | number)[] }[];
  /** Where the entry past MAX_ENTRIES starts, if there is one. */
  tooManyAt?: number;
}

/**
 * One pass over the document: duplicate keys (`<<` may repeat: merge keys) and the entry count.
 * Aliases are not followed: each mapping is checked once, where it is written. Recursion is
 * safe: parseGuarded already refused deep nesting.
 */
function scanMappings(root: unknown): MappingScan {
  const scan: MappingScan = { duplicates: [] };
  let entries = 0;
  const counted = (node: { range?: readonly number[] | null } | null | undefined): boolean => {
    if (++entries <= MAX_ENTRIES) return true;
    scan.tooManyAt = node?.range?.[0] ?? 0;
    return false;
  };
  const walk = (node: unknown, path: (string | number)[]): boolean => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (!counted(key as { range?: number[] } | null)) return false;
        if (isScalar(key) && !isMergeKey(key)) {
          if (seen.has(key.value) && key.range) scan.duplicates.push({ offset: key.range[0], path });
          seen.add(key.value);
        }
        if (!walk(pair.value, [...path, keyText(key)])) return false;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        if (!counted(item as { range?: number[] } | null)) return false;
        if (!walk(item, [...path, i])) return false;
      }
    }
    return true;
  };
  walk(root, []);
  return scan;
}
