/** What `deployctl init --from` produces: the spec as plain data, and notes about each change. */

export type Obj = Record<string, unknown>;
export type OutPath = (string | number)[];

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One thing the conversion did that a reviewer should know: a key `translated` into deployctl's
 * form, `dropped` because deployctl has no equivalent, or needing `attention` before a deploy.
 * `path` is where it lands in the output spec (for a dropped key: the nearest node that stays),
 * so the same text is written as a YAML comment beside that line.
 */
export interface InitNote {
  kind: 'translated' | 'dropped' | 'attention';
  path: OutPath;
  message: string;
}

export type Role = 'infra' | 'app';

export interface ServiceReport {
  name: string;
  role: Role;
  /** Why it is infra (stateful) or an app. */
  reason: string;
  /** The image it runs (as written, `${VAR}` kept). */
  image?: string;
  /** Set for a Compose service with `build:`: the image deployctl needs instead. */
  build?: { context: string; image: string };
}

export interface VolumeReport {
  /** Key in the Compose file. */
  compose: string;
  /** Name in the engine: the infra.volumes key. */
  name: string;
  external: boolean;
  /** Whether the engine already has it; null when no engine was checked. */
  exists: boolean | null;
}

export interface ConversionResult {
  project: string;
  spec: Obj;
  notes: InitNote[];
  services: ServiceReport[];
  volumes: VolumeReport[];
  dirs: { name: string; path: string }[];
  networks: { compose: string; name: string; external: boolean }[];
}

export interface ConversionInput {
  /** The Compose file as data (anchors and `<<` merge keys resolved), not interpolated. */
  compose: Obj;
  /** Variables as Compose sees them: the environment, then the `.env` beside the file. */
  lookup: (name: string) => string | undefined;
  /** deployctl project name (`--project`); default: Compose's project name. */
  project?: string;
  /** Directory of the Compose file (its relative paths are relative to it). */
  composeDir: string;
  /** Directory the spec is written to (its relative paths are relative to it). */
  outDir: string;
  /** Volumes the engine has, or undefined when no engine was reachable. */
  existingVolumes?: ReadonlySet<string>;
  /** Whether an absolute path is an existing regular file (a bind of a file, not a directory). */
  isFile: (path: string) => boolean;
  /** Home directory, for `~/` bind sources. */
  home: string;
}
