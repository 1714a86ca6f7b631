import { DeployctlError, formatIssue } from '../errors.js';
import { readInputText } from '../spec/input-file.js';
import { MAX_SPEC_BYTES_VAR, inputIssue, planByteLimit } from '../spec/input-limits.js';

/**
 * The text of a plan saved with `plan --out`, read as any other input: bounded (16 times the
 * spec's limit), and text only.
 * @throws DeployctlError PLAN_FILE_INVALID saying what kept it from being read.
 */
export async function readPlanFileText(file: string, env: NodeJS.ProcessEnv): Promise<string> {
  const read = await readInputText(file, planByteLimit(env));
  if (read.ok) return read.text;
  const problem = read.problem;
  const issue =
    problem.kind === 'unreadable' && problem.code !== 'EISDIR'
      ? `${file}: cannot be read (${problem.code})`
      : formatIssue(
          inputIssue(
            file,
            problem,
            'a plan file',
            `raise the limit with ${MAX_SPEC_BYTES_VAR} (plans may be 16 times that)`,
          ),
        );
  throw new DeployctlError(
    'PLAN_FILE_INVALID',
    `cannot use the plan file: ${issue}. Nothing was changed. Save a plan with \`deployctl plan --out ${file}\`.`,
  );
}
