import { interpolate } from '../spec/interpolate.js';
import type { ConversionInput, InitNote, Obj, OutPath } from './model.js';

/** State shared by the conversion steps: what has been declared so far, and the notes. */
export class Conversion {
  readonly notes: InitNote[] = [];
  /** Compose volume key → engine name (the infra.volumes key). */
  readonly volumeNames = new Map<string, string>();
  /** Compose network key → engine name (the infra.networks key). */
  readonly networkNames = new Map<string, string>();
  readonly volumes: Obj = {};
  readonly networks: Obj = {};
  readonly dirs: Obj = {};
  readonly configs: Obj = {};
  readonly secrets: Obj = {};
  /** Absolute host path → its infra.dirs key (or configs key, for a file). */
  readonly dirKeys = new Map<string, string>();
  readonly configKeys = new Map<string, string>();
  /** Keys used by infra.volumes, infra.dirs and configs, which share one namespace in mounts. */
  readonly taken = new Set<string>();
  /** Secrets and configs declared in a form deployctl cannot carry: service references drop. */
  readonly droppedFiles = { secrets: new Set<string>(), configs: new Set<string>() };

  constructor(
    readonly input: ConversionInput,
    readonly project: string,
    readonly composeProject: string,
  ) {}

  note(kind: InitNote['kind'], path: OutPath, message: string): void {
    this.notes.push({ kind, path, message });
  }

  /** A string's value as Compose would see it, for decisions only; the output keeps `${VAR}`. */
  value(text: unknown): string {
    if (typeof text === 'string') return interpolate(text, this.input.lookup).value;
    return typeof text === 'number' || typeof text === 'boolean' ? String(text) : '';
  }
}
