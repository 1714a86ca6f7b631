/**
 * The baseline tool: Debian's docker-compose 1.29 (Python, docker-py). Installed with apt when
 * missing, the way a Debian host would get it.
 */
import { timedRun, type RunResult } from './timed-run.js';
import { log } from './report.js';

/** Makes sure `docker-compose` runs; returns its version line. */
export async function ensureCompose(): Promise<string> {
  const version = () => timedRun('docker-compose', ['version', '--short']).then((r) => r.stdout.trim());
  try {
    return await version();
  } catch {
    log('docker-compose is missing: installing Debian’s package (apt-get install docker-compose)');
  }
  const apt = (args: string[]) => timedRun('apt-get', args, { env: { DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    await apt(['install', '-y', 'docker-compose']);
  } catch {
    log('install failed; running apt-get update and trying again');
    await apt(['update']);
    await apt(['install', '-y', 'docker-compose']);
  }
  return version();
}

export interface ComposeProject {
  file: string;
  project: string;
}

/** `docker-compose -f FILE -p PROJECT up -d` with $TAG set; checks what it said it did. */
export async function composeUp(
  p: ComposeProject,
  tag: string,
  env: Record<string, string> = {},
): Promise<RunResult & { recreated: number; upToDate: number }> {
  const r = await timedRun('docker-compose', ['-f', p.file, '-p', p.project, 'up', '-d'], {
    env: { TAG: tag, ...env },
  });
  // docker-compose 1.x reports per container on stderr: "Recreating x ... done", "x is up-to-date".
  const recreated = (r.stderr.match(/^Recreating \S+ \.\.\. done/gm) ?? []).length;
  const upToDate = (r.stderr.match(/ is up-to-date$/gm) ?? []).length;
  return { ...r, recreated, upToDate };
}
