/**
 * Builders for the plain data the pure layers consume: Spec / ServiceSpec as the spec loader
 * would normalize them, and ContainerInfo / ObservedState as `observe()` would read them from
 * an engine where deployctl already created things. Specs are written directly (no YAML) so
 * planner tests do not depend on the loader.
 */
import { CONFIG_LABEL, LABEL } from '../../src/engine/labels.js';
import type {
  ContainerInfo,
  ContainerState,
  HealthStatus,
  ImageInfo,
  NetworkInfo,
  VolumeInfo,
} from '../../src/engine/port.js';
import type { ObservedState } from '../../src/plan/observed.js';
import { configHash, serviceDefinition, sha256 } from '../../src/spec/config-hash.js';
import { canonicalImageRef } from '../../src/spec/image-ref.js';
import {
  appContainerName,
  type DirSpec,
  type NetworkSpec,
  type ServiceSpec,
  type Spec,
  type VolumeSpec,
} from '../../src/spec/model.js';

type ServiceOverrides = Partial<Omit<ServiceSpec, 'name' | 'role' | 'configHash'>>;

function baseService(name: string, role: ServiceSpec['role'], overrides: ServiceOverrides): ServiceSpec {
  return {
    name,
    role,
    image: `example/${name}:1`,
    pullPolicy: 'missing',
    environment: {},
    sensitiveKeys: [],
    ports: [],
    mounts: [],
    networks: [],
    labels: {},
    dependsOn: [],
    stopGracePeriodMs: 10_000,
    waitTimeoutMs: 60_000,
    source: `deployctl.yaml:1:1`,
    ...overrides,
    // Filled by `buildSpec`, which knows the project the hash depends on.
    configHash: '',
  };
}

/** An infra service; `containerName` defaults to the service name. */
export function infraService(name: string, overrides: ServiceOverrides = {}): ServiceSpec {
  return baseService(name, 'infra', { containerName: name, ...overrides });
}

export function appService(name: string, overrides: ServiceOverrides = {}): ServiceSpec {
  return baseService(name, 'app', overrides);
}

export function volumeSpec(name: string, external = false): VolumeSpec {
  return { name, external, labels: {} };
}

export function networkSpec(name: string, external = false): NetworkSpec {
  return { name, external, labels: {} };
}

export function dirSpec(name: string, path = `/srv/spec/${name}`): DirSpec {
  return { name, path };
}

export interface SpecInit {
  project?: string;
  volumes?: VolumeSpec[];
  networks?: NetworkSpec[];
  dirs?: DirSpec[];
  infra?: ServiceSpec[];
  apps?: ServiceSpec[];
  keepGenerations?: number;
  protect?: string[];
  sensitiveValues?: string[];
}

/** A normalized Spec, with every service's config hash and the spec hash computed as the loader does. */
export function buildSpec(init: SpecInit = {}): Spec {
  const project = init.project ?? 'demo';
  const hashed = (s: ServiceSpec): ServiceSpec => ({
    ...s,
    configHash: configHash(serviceDefinition(s, project, init.sensitiveValues ?? [])),
  });
  const infra = (init.infra ?? []).map(hashed);
  const apps = (init.apps ?? []).map(hashed);
  const spec: Spec = {
    version: 1,
    project,
    file: '/srv/spec/deployctl.yaml',
    dir: '/srv/spec',
    infra: {
      volumes: init.volumes ?? [],
      networks: init.networks ?? [],
      dirs: init.dirs ?? [],
      services: infra,
    },
    apps: { services: apps },
    cleanup: { keepGenerations: init.keepGenerations ?? 2, protect: init.protect ?? [] },
    backups: { dir: '/srv/spec/backups', keep: 10 },
    history: { keep: 100 },
    notify: { webhooks: [] },
    sensitiveValues: init.sensitiveValues ?? [],
    specHash: '',
  };
  spec.specHash = sha256(
    JSON.stringify([infra.map((s) => s.configHash), apps.map((s) => s.configHash), spec.infra, spec.cleanup]),
  );
  return spec;
}

/** The id a local image of `ref` has in these tests, unless a test says otherwise. */
export function imageIdOf(ref: string): string {
  return `sha256:${sha256(canonicalImageRef(ref))}`;
}

export function imageInfo(ref: string, opts: { id?: string; volumes?: string[] } = {}): ImageInfo {
  const image: ImageInfo = { id: opts.id ?? imageIdOf(ref), repoTags: [canonicalImageRef(ref)] };
  if (opts.volumes) image.volumes = opts.volumes;
  return image;
}

export interface ContainerInit {
  id?: string;
  name?: string;
  image?: string;
  imageId?: string;
  labels?: Record<string, string>;
  state?: ContainerState;
  health?: HealthStatus;
  createdAt?: number;
  volumeNames?: string[];
}

/** A bare container; the id defaults to a hash of the name (names are unique on an engine). */
export function container(name: string, init: ContainerInit = {}): ContainerInfo {
  const image = init.image ?? 'example/other:1';
  const c: ContainerInfo = {
    id: init.id ?? sha256(`container:${name}`),
    name,
    image,
    imageId: init.imageId ?? imageIdOf(image),
    labels: init.labels ?? {},
    state: init.state ?? 'running',
    createdAt: init.createdAt ?? 1_700_000_000_000,
    volumeNames: init.volumeNames ?? [],
  };
  if (init.health) c.health = init.health;
  return c;
}

/** The labels apply puts on a container it creates from `service` (see src/apply/container-definition.ts). */
export function deployctlLabels(
  spec: Spec,
  service: ServiceSpec,
  deployId?: string,
  imageId?: string,
): Record<string, string> {
  const labels: Record<string, string> = {
    ...service.labels,
    [LABEL.project]: spec.project,
    [LABEL.role]: service.role,
    [LABEL.service]: service.name,
    [LABEL.configHash]: service.configHash,
    [LABEL.imageId]: imageId ?? imageIdOf(service.image),
    [CONFIG_LABEL]: JSON.stringify(serviceDefinition(service, spec.project, spec.sensitiveValues)),
  };
  if (service.role === 'app' && deployId !== undefined) labels[LABEL.deployId] = deployId;
  return labels;
}

/**
 * A container deployctl created from `service` (an app of generation `deployId`, or infra).
 * `extraLabels` are merged over the identity labels, e.g. to fake an older config.
 */
export function managedContainer(
  spec: Spec,
  service: ServiceSpec,
  opts: ContainerInit & { deployId?: string; extraLabels?: Record<string, string> } = {},
): ContainerInfo {
  const name =
    opts.name ??
    (service.role === 'infra'
      ? (service.containerName ?? service.name)
      : appContainerName(spec.project, service.name, opts.deployId ?? 'd1'));
  const imageId = opts.imageId ?? imageIdOf(service.image);
  const labels = {
    ...deployctlLabels(spec, service, opts.deployId ?? (service.role === 'app' ? 'd1' : undefined), imageId),
    ...opts.extraLabels,
  };
  return container(name, { ...opts, image: opts.image ?? service.image, imageId, labels });
}

/** Labels of another project's container: looks managed, but not by us. */
export function foreignLabels(
  project: string,
  role: 'infra' | 'app',
  extra: Record<string, string> = {},
): Record<string, string> {
  return { [LABEL.project]: project, [LABEL.role]: role, [LABEL.service]: 'x', ...extra };
}

export function volumeInfo(name: string, labels: Record<string, string> = {}): VolumeInfo {
  return { name, labels, driver: 'local' };
}

export function networkInfo(name: string, labels: Record<string, string> = {}): NetworkInfo {
  return { id: sha256(`network:${name}`).slice(0, 12), name, labels, driver: 'bridge' };
}

export function observedState(init: Partial<ObservedState> = {}): ObservedState {
  return { containers: [], volumes: [], networks: [], images: [], dirs: {}, ...init };
}

/**
 * The live state right after a successful apply of `spec` as generation `deployId`: every
 * volume, network, dir and image present, every container created from the spec and running.
 */
export function matchingState(spec: Spec, deployId: string): ObservedState {
  const images = [
    ...new Set([...spec.infra.services, ...spec.apps.services].map((s) => canonicalImageRef(s.image))),
  ].map((ref) => imageInfo(ref));
  return observedState({
    volumes: spec.infra.volumes.map((v) => volumeInfo(v.name)),
    networks: spec.infra.networks.map((n) => networkInfo(n.name)),
    dirs: Object.fromEntries(spec.infra.dirs.map((d) => [d.name, true])),
    images,
    containers: [
      ...spec.infra.services.map((s) => managedContainer(spec, s)),
      ...spec.apps.services.map((s) => managedContainer(spec, s, { deployId })),
    ],
  });
}
