import { formatDuration, parseDuration } from './duration.js';
import type { IssueList } from './issues.js';
import type { SpecPath } from './locate.js';
import type { RawDuration, RawService, RawSpec } from './raw.js';

/**
 * Values the schema lets through by form but no engine would take: a duration of centuries
 * (Docker holds healthcheck times as int64 nanoseconds, so a few hundred years overflow), an
 * image reference the engine cannot parse. Checked once, on schema-valid data, so a typo is a
 * located error before anything runs, not an engine error halfway through an apply.
 */

/** The longest duration any key takes: a year covers every real grace period, interval and age. */
export const MAX_DURATION_MS = 365 * 86_400_000;
/** Docker's limit on a repository name; a tag adds at most 128 and a digest about 100. */
const MAX_IMAGE_REF = 512;

// Docker's reference grammar (distribution/reference): [domain[:port]/]path[:tag][@digest],
// path components lowercase. Each part is separated by a fixed character, so this matches in
// time linear in the (already length-capped) input.
const DOMAIN =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE_REF = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

const SERVICE_DURATIONS = ['stop_grace_period', 'wait_timeout'] as const;
const HEALTH_DURATIONS = ['interval', 'timeout', 'start_period', 'start_interval'] as const;

export function checkBounds(raw: RawSpec, issues: IssueList): void {
  for (const role of ['infra', 'apps'] as const) {
    for (const [name, service] of Object.entries(raw[role]?.services ?? {})) {
      checkService(service, [role, 'services', name], issues);
    }
  }
  duration(raw.cleanup?.max_age, ['cleanup', 'max_age'], issues);
  duration(raw.proxy?.drain, ['proxy', 'drain'], issues);
  raw.proxy?.routes.forEach((route, i) => duration(route.drain, ['proxy', 'routes', i, 'drain'], issues));
}

function checkService(service: RawService, at: SpecPath, issues: IssueList): void {
  if (typeof service.image === 'string') imageRef(service.image, [...at, 'image'], issues);
  for (const key of SERVICE_DURATIONS) duration(service[key], [...at, key], issues);
  const health = service.healthcheck as Record<string, RawDuration | undefined> | undefined;
  for (const key of HEALTH_DURATIONS) duration(health?.[key], [...at, 'healthcheck', key], issues);
}

function duration(value: RawDuration | undefined, at: SpecPath, issues: IssueList): void {
  if (value === undefined) return;
  const ms = parseDuration(value);
  if (ms !== undefined && ms <= MAX_DURATION_MS) return;
  issues.error(
    at,
    `is longer than ${formatDuration(MAX_DURATION_MS)}, the most any duration may be; check the unit`,
  );
}

/** The reason an image reference cannot be pulled or run, or undefined when it can. */
export function imageRefProblem(ref: string): string | undefined {
  if (ref.length > MAX_IMAGE_REF) {
    return `is ${ref.length} characters long, more than the ${MAX_IMAGE_REF} an image reference may have`;
  }
  if (/\s/.test(ref)) return 'is not an image reference: it contains whitespace';
  if (!IMAGE_REF.test(ref)) {
    return IMAGE_REF.test(ref.toLowerCase())
      ? 'is not an image reference: repository names must be lowercase'
      : 'is not an image reference: write it as [registry/]name[:tag][@sha256:digest], e.g. registry.example.com/team/api:1.4';
  }
  return undefined;
}

function imageRef(ref: string, at: SpecPath, issues: IssueList): void {
  const problem = imageRefProblem(ref);
  if (problem) issues.error(at, problem);
}
