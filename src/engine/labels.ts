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
  /** Set on a container renamed aside while its replacement starts; see apply's replace step. */
  replacing: 'deployctl.replacing',
} as const;

/** `role` label values. `lock` marks the per-project lock container. */
export type LabelRole = 'infra' | 'app' | 'lock';

/**
 * `deployctl.config` holds the normalized service definition as JSON with secret values
 * replaced by their hashes, so plan can name the fields that changed without ever storing
 * or printing a secret.
 */
export const CONFIG_LABEL = 'deployctl.config';
