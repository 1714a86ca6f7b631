import { Document, isMap, isScalar, isSeq, visit, type Node } from 'yaml';
import type { InitNote, Obj, OutPath } from './model.js';

const YAML11_BOOLEANS = new Set(['y', 'n', 'yes', 'no', 'on', 'off']);

const PREFIX = { translated: 'init:', dropped: 'init: dropped', attention: 'init: CHECK' } as const;

/**
 * The spec as YAML, each note written as a comment beside the line it concerns: after a
 * scalar on its line, above a key whose value is a block, above the service for a key that was
 * dropped from it, and at the top for the file as a whole.
 */
export function renderSpec(spec: Obj, notes: InitNote[], header: string[]): string {
  const doc = new Document(spec);
  const byNode = new Map<object, { text: string[]; inline: boolean; target: Node }>();
  const top: string[] = [...header];
  for (const note of notes) {
    const text = `${PREFIX[note.kind]} ${note.message}`;
    const place = locate(doc, note.path);
    if (!place) {
      top.push(` ${text}`);
      continue;
    }
    const entry = byNode.get(place.target) ?? {
      text: [],
      inline: place.inline,
      target: place.target,
    };
    entry.text.push(text);
    byNode.set(place.target, entry);
  }
  for (const { text, inline, target } of byNode.values()) {
    if (inline) target.comment = ` ${text.join('; ')}`;
    else target.commentBefore = text.map((t) => ` ${t}`).join('\n');
  }
  doc.commentBefore = top.join('\n');
  visit(doc, {
    // Short lists of scalars (a command, a healthcheck test) read best on one line, as Compose
    // files write them; a list with a comment on an item stays a block, so the comment has a line.
    Seq(_, seq) {
      const plain = seq.items.every((i) => isScalar(i) && !i.comment && !i.commentBefore);
      if (plain && JSON.stringify(seq.toJSON()).length <= 80) seq.flow = true;
    },
    // yes/no/on/off are strings in YAML 1.2 but booleans to YAML 1.1 readers: quote them.
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && YAML11_BOOLEANS.has(scalar.value.toLowerCase()))
        scalar.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The node a comment goes on: a scalar value (inline) or the key / item of a block (above). */
function locate(doc: Document, path: OutPath): { target: Node; inline: boolean } | undefined {
  for (let n = path.length; n > 0; n--) {
    const parent = doc.getIn(path.slice(0, n - 1), true);
    const key = path[n - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (!pair) continue;
      if (isScalar(pair.value) && n === path.length) return { target: pair.value, inline: true };
      return { target: pair.key as Node, inline: false };
    }
    if (isSeq(parent) && typeof key === 'number') {
      const item = parent.items[key];
      if (item === undefined) continue;
      return { target: item as Node, inline: isScalar(item) };
    }
  }
  return undefined;
}
