import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection on demand, for the streaming core's `reclaim` hook: without it V8
 * lets ~64 MB of spent stream buffers pile up before collecting, which is half of this
 * command's memory budget. A few collections per 100 MB cost milliseconds. `--expose-gc` set
 * at runtime only exposes the function in a fresh context; nothing else changes. Undefined
 * when the runtime refuses (memory is then bounded by V8's own limit).
 */
export function collectGarbage(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? () => void (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}
