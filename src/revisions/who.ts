import type { RevisionWho } from './revision.js';

/**
 * Who ran a command: `user@host`, and the CI job when a well-known CI sets its variables. Only
 * identifiers, never a token (CI URLs and ids carry none).
 */
export function whoRan(env: Record<string, string | undefined>, user: string, host: string): RevisionWho {
  const ci = ciJob(env);
  return ci ? { by: `${user}@${host}`, ci } : { by: `${user}@${host}` };
}

function ciJob(e: Record<string, string | undefined>): string | undefined {
  if (e.GITHUB_ACTIONS === 'true' && e.GITHUB_RUN_ID) {
    return `github ${e.GITHUB_REPOSITORY ?? '?'} run ${e.GITHUB_RUN_ID}${e.GITHUB_JOB ? ` job ${e.GITHUB_JOB}` : ''}`;
  }
  if (e.GITLAB_CI === 'true' && e.CI_JOB_ID) return `gitlab ${e.CI_PROJECT_PATH ?? '?'} job ${e.CI_JOB_ID}`;
  if (e.BUILD_URL) return `jenkins ${e.BUILD_URL}`;
  if (e.BUILDKITE_BUILD_URL) return `buildkite ${e.BUILDKITE_BUILD_URL}`;
  if (e.CIRCLE_BUILD_URL) return `circleci ${e.CIRCLE_BUILD_URL}`;
  return e.CI === 'true' || e.CI === '1' ? 'ci' : undefined;
}
