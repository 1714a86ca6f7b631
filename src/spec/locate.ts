import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { YamlSource } from './yaml-source.js';

/** A path into the spec data: map keys and list indexes, as in a JSON pointer. */
export type SpecPath = readonly (string | number)[];

export interface Position {
  line: number;
  col: number;
}

interface Step {
  pair?: Pair;
  node: Node | null;
}

/**
 * Finds YAML nodes by data path (following aliases and `<<` merges the way toJS does) so
 * problems found in the plain data can point at a line and column.
 */
export class Locator {
  constructor(private readonly source: YamlSource) {}

  /** The node at `path`, or undefined when the path does not exist in the document. */
  node(path: SpecPath): Node | undefined {
    let current = this.source.doc.contents as Node | null;
    for (const segment of path) {
      const step = current ? child(this.source.doc, current, segment) : undefined;
      if (!step) return undefined;
      current = step.node;
    }
    return current ?? undefined;
  }

  /**
   * Where to point for `path`: its value, or its key (`at: 'key'`, for problems that concern
   * the entry as a whole). A path that does not exist points at its deepest existing parent.
   */
  position(path: SpecPath, at: 'value' | 'key' = 'value'): Position {
    const { doc } = this.source;
    let current = doc.contents as Node | null;
    let best = this.start(current) ?? { line: 1, col: 1 };
    let keyPos: Position | undefined;
    for (let i = 0; i < path.length; i++) {
      const step = current ? child(doc, current, path[i] ?? '') : undefined;
      if (!step) return keyPos ?? best;
      keyPos = step.pair ? this.start(step.pair.key as Node | null) : undefined;
      current = step.node;
      best = this.start(current) ?? keyPos ?? best;
      if (i === path.length - 1 && at === 'key' && keyPos) return keyPos;
    }
    return best;
  }

  start(node: Node | null | undefined): Position | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.source.lines.linePos(offset);
  }
}

/** A mapping's explicit keys by text (the last of duplicates wins, as in toJS) and its `<<` entries. */
interface MapIndex {
  keys: Map<string, Pair>;
  merges: Pair[];
}

// Built once per mapping: scanning its items for every lookup made locating n problems O(n²).
const indexes = new WeakMap<YAMLMap, MapIndex>();

function indexOf(map: YAMLMap): MapIndex {
  let index = indexes.get(map);
  if (!index) {
    index = { keys: new Map(), merges: [] };
    for (const pair of map.items) {
      if (isMergeKey(pair.key)) index.merges.push(pair);
      else index.keys.set(keyText(pair.key), pair);
    }
    indexes.set(map, index);
  }
  return index;
}

function child(
  doc: Document.Parsed,
  parent: Node,
  segment: string | number,
  seen: Set<Node> = new Set(),
): Step | undefined {
  const node = deref(doc, parent);
  if (isMap(node)) {
    // Explicit keys win over merged ones.
    const { keys, merges } = indexOf(node);
    const pair = keys.get(String(segment));
    if (pair) return { pair, node: pair.value as Node | null };
    // A merge cycle (an anchor merged into itself) must not loop.
    if (seen.has(node)) return undefined;
    seen.add(node);
    for (const merge of merges) {
      const merged = deref(doc, merge.value as Node | null);
      const sources = isSeq(merged) ? merged.items : [merged];
      for (const src of sources) {
        const found = src ? child(doc, src as Node, segment, seen) : undefined;
        if (found) return found;
      }
    }
    return undefined;
  }
  if (isSeq(node) && /^\d+$/.test(String(segment))) {
    const item = node.items[Number(segment)];
    return item === undefined ? undefined : { node: item as Node | null };
  }
  return undefined;
}

function deref(doc: Document.Parsed, node: Node | null | undefined): Node | null | undefined {
  return isAlias(node) ? node.resolve(doc) : node;
}

export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.type === 'PLAIN'));
}

export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}
