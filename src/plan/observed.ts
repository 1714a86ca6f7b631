import type { ContainerInfo, ImageInfo, NetworkInfo, VolumeInfo } from '../engine/port.js';

/**
 * The live state a plan is computed from, read by `observe()` with a constant number of engine
 * calls. The planner is a pure function of (spec, deploy id, options, ObservedState).
 */
export interface ObservedState {
  /** Containers labelled with the project, plus any whose name is an infra name or matches a protect glob. */
  containers: ContainerInfo[];
  volumes: VolumeInfo[];
  networks: NetworkInfo[];
  /** Local images matching the spec's image references. */
  images: ImageInfo[];
  /** infra.dirs key -> whether the host directory exists. */
  dirs: Record<string, boolean>;
}
