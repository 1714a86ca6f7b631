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
  /**
   * With `proxy:`: the routes config deployctl last loaded into the proxy (src/traffic/), null
   * when the proxy holds none; absent without `proxy:` or when the proxy could not be read.
   */
  proxyRoutes?: string | null;
}
