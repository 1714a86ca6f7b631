import type { Conversion } from './context.js';
import type { OutPath } from './model.js';

/** `"8000-8002:8000-8002"` → one entry per port, since deployctl takes no ranges. */
export function expandPortRanges(ports: unknown[], path: OutPath, conv: Conversion): unknown[] {
  return ports.flatMap((p) => {
    const m = typeof p === 'string' ? /^(.*?:)?(\d+)-(\d+):(\d+)-(\d+)(\/\w+)?$/.exec(p) : null;
    if (!m) return [p];
    const [, ip = '', a, b, c, d, proto = ''] = m;
    const count = Number(b) - Number(a);
    if (count !== Number(d) - Number(c) || count < 0 || count > 100) return [p];
    conv.note('translated', path, `${String(p)} expanded to one entry per port`);
    return Array.from({ length: count + 1 }, (_, i) => `${ip}${Number(a) + i}:${Number(c) + i}${proto}`);
  });
}
