import { styleText } from 'node:util';
import type { Style } from '../plan/style.js';

export { plainStyle, type Style } from '../plan/style.js';

export const ansiStyle: Style = {
  bold: (s) => styleText('bold', s),
  dim: (s) => styleText('dim', s),
  green: (s) => styleText('green', s),
  red: (s) => styleText('red', s),
  yellow: (s) => styleText('yellow', s),
  cyan: (s) => styleText('cyan', s),
};

/**
 * Colour only for a person at a terminal: never with --no-color, NO_COLOR (no-color.org), a
 * dumb terminal or when the stream is piped; FORCE_COLOR turns it on regardless.
 */
export function useColor(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv,
  stream: { isTTY?: boolean },
): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (flag === true) return true;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
