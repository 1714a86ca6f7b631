import { relative } from 'node:path';
import type { LockHolder } from '../apply/lock-holder.js';
import type { Engine } from '../engine/port.js';
import { DeployctlError, SpecInvalidError, formatIssue } from '../errors.js';
import type { IoHost } from '../io/io-host.js';
import type { Spec } from '../spec/model.js';
import { compactUtc } from '../util/clock.js';
import type { GlobalArgs } from './global-options.js';
import { lockHolder } from './project-lock.js';
import { ansiStyle, plainStyle, useColor, type Style } from './style.js';

/** The process-facing side of one CLI run: streams, env, and the few things every command needs. */
export interface Terminal {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type DeployIdSource = 'flag' | 'env' | 'generated';

export class CliSession {
  /** Replaced once the spec is loaded: every line printed passes through it. */
  mask: (text: string) => string = (t) => t;

  constructor(
    readonly args: GlobalArgs,
    readonly term: Terminal,
  ) {}

  /** A person can answer questions: terminal on both ends and not CI. */
  get interactive(): boolean {
    return this.term.stdin.isTTY === true && this.term.stderr.isTTY === true && !isCi(this.term.env);
  }

  get style(): Style {
    return useColor(this.args.color, this.term.env, this.term.stdout) ? ansiStyle : plainStyle;
  }

  get errStyle(): Style {
    return useColor(this.args.color, this.term.env, this.term.stderr) ? ansiStyle : plainStyle;
  }

  /** Results: stdout. */
  out(text: string): void {
    this.term.stdout.write(`${this.mask(text)}\n`);
  }

  /** Progress, warnings, errors: stderr. */
  note(text: string): void {
    this.term.stderr.write(`${this.mask(text)}\n`);
  }

  json(value: unknown): void {
    // Every JSON object of a command that talked to an engine says which one (as its first line does).
    const withEngine =
      this.engineInfo &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      !('engine' in value)
        ? { ...value, engine: this.engineInfo }
        : value;
    this.out(JSON.stringify(withEngine, null, 2));
  }

  /** Which engine this run talks to, once connected: for `--json` output. */
  private engineInfo:
    { endpoint: string; context?: string; server_version: string; product: string } | undefined;

  /** The spec file as the user named it, for messages. */
  get specPath(): string {
    return relative(this.term.cwd, this.args.file) || this.args.file;
  }

  deployId(): { id: string; source: DeployIdSource } {
    if (this.args['deploy-id'] !== undefined) return { id: this.args['deploy-id'], source: 'flag' };
    const fromEnv = this.term.env.DEPLOY_ID;
    if (fromEnv !== undefined && fromEnv !== '') return { id: fromEnv, source: 'env' };
    return { id: compactUtc(Date.now()), source: 'generated' };
  }

  /** Loads and validates the spec; any problem becomes SPEC_INVALID with every issue listed. */
  async loadSpec(
    opts: { deployId?: string; deployIdSource?: DeployIdSource; dbService?: string; readOnly?: boolean } = {},
  ): Promise<Spec> {
    const { loadSpec } = await import('../spec/load.js');
    const { activeProfiles } = await import('../spec/compose-profiles.js');
    const profiles = activeProfiles(this.args.profile, this.term.env.DEPLOYCTL_PROFILES);
    const result = await loadSpec(this.args.file, {
      env: this.term.env,
      cwd: this.term.cwd,
      profiles,
      ...opts,
    });
    for (const w of result.warnings) this.note(`${this.errStyle.yellow('Warning:')} ${formatIssue(w)}`);
    if (!result.ok) throw new SpecInvalidError(this.specPath, result.issues, result.code);
    const { createMasker } = await import('../spec/masker.js');
    this.mask = createMasker(result.spec.sensitiveValues);
    return result.spec;
  }

  /**
   * Connects and pings, so an unreachable engine fails in seconds with one clear paragraph.
   * `announce: false` leaves stderr to the command (`logs` relays a container's own stderr).
   */
  async engine(opts: { announce?: boolean } = {}): Promise<Engine> {
    const { connectEngine } = await import('../engine/connect.js');
    const context = this.args.context;
    const engine = connectEngine(this.term.env, {
      ...(context && { context }),
      atExit: (cleanup) => process.once('exit', cleanup),
    });
    const identity = await engine.ping();
    this.engineInfo = {
      endpoint: engine.endpoint,
      ...(engine.context !== undefined ? { context: engine.context } : {}),
      server_version: identity.serverVersion,
      product: identity.product,
    };
    const via = engine.context !== undefined ? ` (docker context ${engine.context})` : '';
    if (opts.announce !== false)
      this.note(
        this.errStyle.dim(`Engine: ${engine.endpoint}${via}, ${identity.product} ${identity.serverVersion}`),
      );
    return engine;
  }

  async ioHost(): Promise<IoHost> {
    const { ListrIoHost } = await import('./listr-io-host.js');
    return new ListrIoHost(this);
  }

  /** This run as a lock holder names it (see project-lock.ts). */
  holder(command: string, deployId: string): LockHolder {
    return lockHolder(command, deployId);
  }
}

export function isCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

export function badArgument(message: string): DeployctlError {
  return new DeployctlError('BAD_ARGUMENT', message);
}
