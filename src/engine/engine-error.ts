import { DeployctlError } from '../errors.js';
import type { EngineErrorKind } from './port.js';

/** An engine call that failed; `kind` says how, so callers need not parse messages. */
export class EngineError extends DeployctlError {
  readonly kind: EngineErrorKind;
  readonly statusCode: number | undefined;
  constructor(
    kind: EngineErrorKind,
    message: string,
    options: { cause?: unknown; statusCode?: number } = {},
  ) {
    super(kind === 'unreachable' ? 'ENGINE_UNREACHABLE' : 'ENGINE_ERROR', message, { cause: options.cause });
    this.kind = kind;
    this.statusCode = options.statusCode;
  }
}

export function isEngineError(err: unknown, kind?: EngineErrorKind): err is EngineError {
  return err instanceof EngineError && (kind === undefined || err.kind === kind);
}
