import { isTerminal } from '../events/event.js';

/** Whether a webhook with these globs wants `event`; no globs: the terminal events of every command. */
export function wantsEvent(globs: string[], event: string): boolean {
  if (globs.length === 0) return isTerminal(event);
  return globs.some((g) => globRegex(g).test(event));
}

function globRegex(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
