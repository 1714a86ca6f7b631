/** What every step of the plan/apply benchmark shares: sizes, names, files, the proxy. */
import type { CountingProxy } from './counting-proxy.js';
import { FIXTURE_REPO } from './stack-files.js';

export interface BenchContext {
  reps: number;
  /** Apps in the main stack (20) and in the small one used to compare call counts (5). */
  apps: number;
  small: number;
  /** deployctl projects (main and small) and the Compose project. */
  project: string;
  smallProject: string;
  composeProject: string;
  /** Generated deployctl.yaml of each deployctl project, and the docker-compose.yml. */
  spec: string;
  smallSpec: string;
  composeFile: string;
  /** Scratch directory (profiles). */
  dir: string;
  proxy: CountingProxy;
}

export const fixture = (tag: string): string => `${FIXTURE_REPO}:${tag}`;

/** TAG of rep i of the new-generation series: v2, v1, v2, … (the stack starts on v1). */
export const tagOfRep = (i: number): string => (i % 2 === 1 ? 'v2' : 'v1');
