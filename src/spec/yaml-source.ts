import { LineCounter, isMap, isSeq, parseDocument, type Document } from 'yaml';
import { keyText } from './locate.js';

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
  /** Duplicate keys leave a usable document; syntax errors do not. */
  fatal: boolean;
}

/**
 * Parses the spec keeping node ranges. YAML 1.2 core schema like Compose (`yes` stays a
 * string), `<<` merge keys enabled because Compose files use them with `x-` anchors.
 */
export function parseYaml(text: string): { source: YamlSource; problems: YamlProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false, uniqueKeys: true });
  // After the first syntax error the parser's further complaints are mostly its echoes.
  const firstFatal = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
  const reported = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY' || e === firstFatal);
  const problems = reported.map((error): YamlProblem => {
    const { line, col } = lines.linePos(error.pos[0]);
    if (error.code === 'DUPLICATE_KEY') {
      const key = keyTextAt(text, error.pos[0]);
      const path = mapPathOfKeyAt(doc.contents, error.pos[0], []) ?? [];
      const subject = path.length === 0 ? 'the file ' : '';
      return {
        line,
        col,
        path,
        fatal: false,
        message: `${subject}repeats the key ${key}; YAML keeps only the last one, so remove or rename the other`,
      };
    }
    return {
      line,
      col,
      path: [],
      fatal: true,
      message: `YAML syntax error: ${error.message.replace(/ at line \d+, column \d+.*$/s, '')}`,
    };
  });
  return { source: { doc, lines }, problems };
}

function keyTextAt(text: string, offset: number): string {
  const key = /^["']?([^"':\n]*)/.exec(text.slice(offset))?.[1]?.trim();
  return key ? `"${key}"` : 'a key';
}

/** Path of the map that holds the key starting at `offset`. */
function mapPathOfKeyAt(
  node: unknown,
  offset: number,
  path: (string | number)[],
): (string | number)[] | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const range = (pair.key as { range?: [number, number, number] } | null)?.range;
      if (range?.[0] === offset) return path;
      const found = mapPathOfKeyAt(pair.value, offset, [...path, keyText(pair.key)]);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = mapPathOfKeyAt(item, offset, [...path, i]);
      if (found) return found;
    }
  }
  return undefined;
}
