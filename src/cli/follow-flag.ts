/**
 * `-f` means two things on a docker host: the spec file (`deployctl -f stack.yaml plan`, as in
 * `docker compose -f`) and "follow" (`docker logs -f`, `kubectl logs -f`). For the commands
 * that follow (`logs`, `events`), `-f` is `--follow`, which is what hands typing `logs -f web`
 * mean; their spec file is named with `--file`. Everywhere else `-f` stays the spec file.
 */
const FOLLOWING_COMMANDS = new Set(['logs', 'events']);

/** Rewrites `-f` into `--follow` when the command is one that follows; other argv is returned as is. */
export function followFlagArgv(argv: readonly string[]): string[] {
  const command = argv.find((a) => !a.startsWith('-'));
  if (command === undefined || !FOLLOWING_COMMANDS.has(command)) return [...argv];
  const end = argv.indexOf('--');
  return argv.map((a, i) => (a === '-f' && (end === -1 || i < end) ? '--follow' : a));
}
