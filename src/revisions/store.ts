import { DeployctlError } from '../errors.js';
import { isEngineError } from '../engine/engine-error.js';
import { LABEL } from '../engine/labels.js';
import type { Engine, ReadFile, StoredFile } from '../engine/port.js';

/**
 * The project's store on the engine host: a labelled volume, reached through a never-started
 * container that mounts it, read and written with the engine's archive API.
 *
 * Why there: CI runners are ephemeral and several of them deploy one host, so anything kept on
 * the machine running deployctl would be lost or split; through the engine, every runner (also
 * over `DOCKER_HOST=ssh://…`) and the operator see one history. Why a volume and archive calls:
 * they need no running process, no image beyond deployctl's empty marker image, and no port.
 * The volume outlives the container, so a removed store container loses nothing.
 */
export const STORE_MOUNT = '/state';

export function storeVolumeName(project: string): string {
  return `${project}_deployctl_state`;
}

export function storeContainerName(project: string): string {
  return `${project}.deployctl-state`;
}

export class ProjectStore {
  private ready = false;

  constructor(
    readonly engine: Engine,
    readonly project: string,
  ) {}

  get container(): string {
    return storeContainerName(this.project);
  }

  /** Files under `sub` (relative to the store); [] when the store or the path does not exist. */
  async read(sub: string): Promise<ReadFile[]> {
    const found = await this.readIfAttached(sub);
    if (found) return found;
    // No store container: nothing was ever recorded, unless someone removed the container and
    // its volume still holds the records. Re-attach it then; never create an empty volume here.
    const volumes = await this.engine.listVolumes();
    if (!volumes.some((v) => v.name === storeVolumeName(this.project))) return [];
    await this.ensure();
    return this.engine.readFiles(this.container, `${STORE_MOUNT}/${sub}`);
  }

  /**
   * Files under `sub` through the store container as it is: undefined when there is none (never
   * re-attached here, so a read on a hot path costs one call and changes nothing).
   */
  async readIfAttached(sub: string): Promise<ReadFile[] | undefined> {
    try {
      return await this.engine.readFiles(this.container, `${STORE_MOUNT}/${sub}`);
    } catch (err) {
      if (!isEngineError(err, 'not_found')) throw err;
      return undefined;
    }
  }

  /** Writes whole files under `sub`, creating the store on first use. Callers hold the project lock. */
  async write(sub: string, files: StoredFile[]): Promise<void> {
    if (!this.ready) await this.ensure();
    try {
      await this.engine.writeFiles(this.container, `${STORE_MOUNT}/${sub}`, files);
    } catch (err) {
      if (!isEngineError(err, 'not_found')) throw err;
      // Removed behind our back since ensure(): once more from scratch.
      await this.ensure(true);
      await this.engine.writeFiles(this.container, `${STORE_MOUNT}/${sub}`, files);
    }
  }

  /**
   * Creates the volume and the container when missing. The usual case, a store that is there,
   * costs one inspect: creating anyway would be four calls on every run (the container create
   * failing with a conflict), all on the path before the command's real work.
   */
  async ensure(force = false): Promise<void> {
    if (this.ready && !force) return;
    const existing = await this.engine.inspectContainer(this.container);
    if (existing) {
      this.assertOurs(existing.labels);
      this.ready = true;
      return;
    }
    const labels = { [LABEL.project]: this.project, [LABEL.role]: 'state' };
    await this.engine.createVolume({ name: storeVolumeName(this.project), labels });
    const image = await this.engine.ensureMarkerImage();
    try {
      await this.engine.createContainer({
        name: this.container,
        image,
        command: ['state'],
        env: {},
        labels,
        ports: [],
        mounts: [
          { type: 'volume', source: storeVolumeName(this.project), target: STORE_MOUNT, readOnly: false },
        ],
        networks: [],
      });
    } catch (err) {
      if (!isEngineError(err, 'conflict')) throw err;
      // Created meanwhile by another run: what we wanted, if it is ours.
      const other = await this.engine.inspectContainer(this.container);
      if (other) this.assertOurs(other.labels);
    }
    this.ready = true;
  }

  /** Never write into a stranger's container that happens to have the store's name. */
  private assertOurs(labels: Record<string, string>): void {
    if (labels[LABEL.role] === 'state' && labels[LABEL.project] === this.project) return;
    throw new DeployctlError(
      'PROTECTED_CONFLICT',
      `the container name ${this.container}, where deployctl keeps the revision history of ${this.project}, is used by a container deployctl did not create; ` +
        'nothing was recorded and that container was not touched. Rename or remove it by hand, then re-run.',
    );
  }
}
