import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
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
  /** Duplicate keys leave a usable document; syntax errors do not. */
  fatal: boolean;
}

/**
 * Parses the spec keeping node ranges. YAML 1.2 core schema like Compose (`yes` stays a
 * string), `<<` merge keys enabled because Compose files use them with `x-` anchors.
 */
export function parseYaml(text: string): { source: YamlSource; problems: YamlProblem[] } {
  const lines = new LineCounter();
  // yaml's own uniqueKeys check compares each key with every earlier one (O(n²): 4 s for 10k
  // keys); duplicateKeys below does it with one set per mapping.
  const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false, uniqueKeys: false });
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
  const duplicates = duplicateKeys(doc.contents).map(({ offset, path }): YamlProblem => {
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
 * Every repeated scalar key, at its later occurrence, with the path of its mapping. `<<` may
 * repeat (merge keys). Aliases are not followed: each mapping is checked once, where it is written.
 */
function duplicateKeys(root: unknown): { offset: number; path: (string | number)[] }[] {
  const found: { offset: number; path: (string | number)[] }[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && !isMergeKey(key)) {
          if (seen.has(key.value) && key.range) found.push({ offset: key.range[0], path });
          seen.add(key.value);
        }
        walk(pair.value, [...path, keyText(key)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(root, []);
  return found;
}
