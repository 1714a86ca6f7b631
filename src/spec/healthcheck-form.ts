import { parseDuration } from './duration.js';
import type { Healthcheck } from './model.js';
import type { RawDuration, RawHealthcheck } from './raw.js';

/** Docker's defaults for the fields a healthcheck leaves out. */
const DOCKER_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 };
const WAIT_MARGIN_MS = 10_000;
const WAIT_WITHOUT_HEALTHCHECK_MS = 60_000;

/**
 * Compose healthcheck → Healthcheck: a string test runs through the shell (`CMD-SHELL`),
 * `disable: true` becomes `["NONE"]`. Returns a message (a predicate of the healthcheck's
 * path) for combinations Compose also refuses or deployctl cannot express.
 */
export function parseHealthcheck(raw: RawHealthcheck): Healthcheck | string {
  const test = typeof raw.test === 'string' ? ['CMD-SHELL', raw.test] : raw.test;
  const disabled = raw.disable === true || test?.[0] === 'NONE';
  if (raw.disable === true && test !== undefined && test[0] !== 'NONE') {
    return 'sets both disable: true and a test; remove one of them';
  }
  if (disabled) return { test: ['NONE'] };
  if (test === undefined) {
    return 'has no test; add one (e.g. test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"]) or disable: true — deployctl does not merge these settings into the image\'s own HEALTHCHECK';
  }
  if (test[0] !== 'CMD' && test[0] !== 'CMD-SHELL') {
    return `has test starting with "${test[0] ?? ''}"; a list test starts with "CMD" (run directly), "CMD-SHELL" (run through the shell) or "NONE"`;
  }
  const check: Healthcheck = { test };
  const interval = ms(raw.interval);
  const timeout = ms(raw.timeout);
  const startPeriod = ms(raw.start_period);
  if (interval !== undefined) check.intervalMs = interval;
  if (timeout !== undefined) check.timeoutMs = timeout;
  if (raw.retries !== undefined) check.retries = raw.retries;
  if (startPeriod !== undefined) check.startPeriodMs = startPeriod;
  return check;
}

/**
 * How long apply waits for a service: as long as the engine could take to declare it
 * unhealthy (start_period + (interval + timeout) × retries) plus a margin, or 60 s when there
 * is no healthcheck to wait for.
 */
export function derivedWaitTimeoutMs(check: Healthcheck | undefined): number {
  if (!check || check.test[0] === 'NONE') return WAIT_WITHOUT_HEALTHCHECK_MS;
  const interval = check.intervalMs ?? DOCKER_DEFAULTS.intervalMs;
  const timeout = check.timeoutMs ?? DOCKER_DEFAULTS.timeoutMs;
  const retries = check.retries ?? DOCKER_DEFAULTS.retries;
  const startPeriod = check.startPeriodMs ?? DOCKER_DEFAULTS.startPeriodMs;
  return startPeriod + (interval + timeout) * retries + WAIT_MARGIN_MS;
}

/** A schema-valid duration in ms (the schema has already refused anything else). */
export function ms(raw: RawDuration | undefined): number | undefined {
  return raw === undefined ? undefined : parseDuration(raw);
}
