import type { Argv } from 'yargs';

/** Options every command takes. */
export interface GlobalArgs {
  file: string;
  json: boolean;
  color: boolean | undefined;
  'deploy-id': string | undefined;
  'events-file': string | undefined;
  context: string | undefined;
  profile: string[] | undefined;
}

export function withGlobalOptions<T>(y: Argv<T>): Argv<T & GlobalArgs> {
  return y
    .option('file', {
      alias: 'f',
      type: 'string',
      default: './deployctl.yaml',
      describe: 'Spec file (relative paths in it are relative to the file)',
      global: true,
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print the result as one JSON object on stdout (progress still goes to stderr)',
      global: true,
    })
    .option('color', {
      type: 'boolean',
      describe: 'Colour output (--no-color or NO_COLOR to turn off; auto on a terminal)',
      global: true,
    })
    .option('deploy-id', {
      type: 'string',
      describe:
        'Generation id of the apps (else $DEPLOY_ID, else the live generation if unchanged, else a UTC timestamp)',
      global: true,
    })
    .option('events-file', {
      type: 'string',
      describe:
        "Also append this run's lifecycle events (JSON Lines) to this file, e.g. a CI artifact (or $DEPLOYCTL_EVENTS_FILE)",
      global: true,
    })
    .option('context', {
      type: 'string',
      describe:
        'Docker context to use (else DOCKER_HOST, else $DOCKER_CONTEXT, else the docker CLI’s current context)',
      global: true,
    })
    .option('profile', {
      type: 'string',
      array: true,
      describe:
        'Deploy the services of this Compose profile too (repeatable; else $DEPLOYCTL_PROFILES, comma-separated)',
      global: true,
    });
}

/** `--lock-timeout 5m`, `--auto-approve`, `--replace db`: shared by apply and restore-db. */
export const approveOption = {
  alias: ['y', 'yes'],
  type: 'boolean',
  default: false,
  describe: 'Do not ask for confirmation (required without a terminal)',
} as const;

export const lockTimeoutOption = {
  type: 'string',
  default: '0s',
  describe: 'Wait this long for another run of this project to release its lock (e.g. 30s, 10m)',
} as const;
