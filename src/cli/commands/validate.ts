import type { CommandModule } from 'yargs';
import type { SpecIssue } from '../../errors.js';
import { SpecInvalidError, formatIssue } from '../../errors.js';
import type { GlobalArgs } from '../global-options.js';
import { EXIT, runCommand } from '../run-command.js';
import type { CliSession } from '../session.js';

/** `deployctl validate`: the spec alone, no engine. Lists every problem, not just the first. */
export const validateCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'validate',
  describe: 'Check the spec file: YAML, schema, references, names. Needs no Docker engine.',
  builder: (y) =>
    y
      .example('$0 validate', 'Check ./deployctl.yaml')
      .example(
        '$0 validate -f examples/sancho/deployctl.yaml --json',
        'Problems as a JSON array (empty when valid)',
      ),
  handler: (args) => runCommand(args, (cli) => validate(cli)),
};

async function validate(cli: CliSession): Promise<number> {
  const explicit = cli.args['deploy-id'] !== undefined || (cli.term.env.DEPLOY_ID ?? '') !== '';
  const { id, source } = cli.deployId();
  try {
    const spec = await cli.loadSpec(explicit ? { deployId: id, deployIdSource: source } : {});
    if (cli.args.json) {
      cli.json([]);
    } else {
      const volumes = spec.infra.volumes.length;
      const list = (names: string[]): string => (names.length ? ` (${names.join(', ')})` : '');
      cli.out(
        `${cli.specPath} is valid: project ${spec.project}, ` +
          `${spec.infra.services.length} infra service(s)${list(spec.infra.services.map((s) => s.name))}, ` +
          `${spec.apps.services.length} app(s)${list(spec.apps.services.map((s) => s.name))}, ` +
          `${volumes} volume(s), ${spec.infra.networks.length} network(s), ${spec.infra.dirs.length} dir(s).`,
      );
    }
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof SpecInvalidError) || !cli.args.json) throw err;
    cli.json(err.issues.map(issueJson));
    cli.note(err.issues.map(formatIssue).join('\n'));
    return EXIT.error;
  }
}

function issueJson(issue: SpecIssue): Record<string, unknown> {
  return {
    file: issue.file,
    line: issue.line,
    col: issue.col,
    path: issue.path,
    message: issue.message,
    severity: issue.severity ?? 'error',
    text: formatIssue(issue),
  };
}
