/**
 * The labels deployctl puts on everything it creates. They are the identity of live objects:
 * protection follows them even after an entry is deleted from the spec.
 */
export const LABEL = {
  project: 'deployctl.project',
  role: 'deployctl.role',
  service: 'deployctl.service',
  deployId: 'deployctl.deploy-id',
  configHash: 'deployctl.config-hash',
  imageId: 'deployctl.image-id',
} as const;

/**
 * A container being replaced is renamed `<name>.replaced-<UTC time>` until its replacement is
 * healthy. Labels cannot change after create, so this name is how plan recognises a copy left
 * by an interrupted replace.
 */
export const ASIDE_SUFFIX = '.replaced-';
export const ASIDE_NAME = /\.replaced-[A-Za-z0-9]+$/;

/**
 * `role` label values. `lock` marks the per-project lock container; `state` the project's store
 * on the engine host (revision ledger and lifecycle events: src/revisions/store.ts).
 */
export type LabelRole = 'infra' | 'app' | 'lock' | 'state';

/**
 * `deployctl.config` holds the normalized service definition as JSON with secret values
 * replaced by their hashes, so plan can name the fields that changed without ever storing
 * or printing a secret.
 */
export const CONFIG_LABEL = 'deployctl.config';
