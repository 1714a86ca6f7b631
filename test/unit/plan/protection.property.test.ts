import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LABEL } from '../../../src/engine/labels.js';
import type { ContainerInfo, ContainerState, HealthStatus } from '../../../src/engine/port.js';
import { hasChanges, type Plan } from '../../../src/plan/actions.js';
import type { ObservedState } from '../../../src/plan/observed.js';
import { planDeploy, type PlanInput } from '../../../src/plan/planner.js';
import { protectionOf } from '../../../src/plan/protection.js';
import { canonicalImageRef } from '../../../src/spec/image-ref.js';
import { appContainerName, type ServiceSpec, type Spec } from '../../../src/spec/model.js';
import {
  appService,
  buildSpec,
  container,
  dirSpec,
  foreignLabels,
  imageIdOf,
  imageInfo,
  infraService,
  managedContainer,
  matchingState,
  networkInfo,
  networkSpec,
  observedState,
  volumeInfo,
  volumeSpec,
} from '../../support/builders.js';
import { simulateApply } from './simulate-apply.js';

const RUNS = 500;
const P = 'p';

// Two variants of every service: live containers made from the other variant differ from the spec.
function pool(variant: 0 | 1): Spec {
  const env = { LEVEL: variant === 0 ? 'info' : 'debug' };
  return buildSpec({
    project: P,
    infra: [
      infraService('db', {
        containerName: 'p_db',
        image: 'postgres:15',
        environment: env,
        mounts: [{ type: 'volume', name: 'p_data', target: '/data', readOnly: false }],
      }),
      infraService('proxy', {
        containerName: 'p_proxy_persistent',
        image: 'traefik:v2',
        environment: env,
        mounts: [{ type: 'dir', dir: 'certs', source: '/srv/certs', target: '/certs', readOnly: false }],
      }),
      infraService('cache', { containerName: 'p_cache', image: 'redis:7', environment: env }),
    ],
    apps: [
      appService('api', { image: 'p/api:1', environment: env }),
      appService('web', { image: 'p/web:1', environment: env }),
      appService('worker', { image: 'p/api:1', environment: env }),
    ],
  });
}
const POOLS = [pool(0), pool(1)] as const;
const INFRA = ['db', 'proxy', 'cache'] as const;
const APPS = ['api', 'web', 'worker'] as const;
const DEPLOYS = ['d1', 'd2', 'd3', 'd4'] as const;
const IMAGES = [
  ...new Set([...POOLS[0].infra.services, ...POOLS[0].apps.services].map((s) => canonicalImageRef(s.image))),
];

function poolService(name: string, variant: number): ServiceSpec {
  const spec = POOLS[variant === 1 ? 1 : 0];
  const found = [...spec.infra.services, ...spec.apps.services].find((s) => s.name === name);
  if (!found) throw new Error(`no pool service ${name}`);
  return found;
}

const state = fc.constantFrom<ContainerState>(
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
);
const health = fc.option(fc.constantFrom<HealthStatus>('starting', 'healthy', 'unhealthy'), {
  nil: undefined,
});
const variant = fc.integer({ min: 0, max: 1 });

/**
 * `clean` leaves out what makes a plan blocked (foreign holders of needed names, missing
 * external volumes, pull_policy never, a glob over app names), so properties that need an
 * applicable plan do not throw most samples away.
 */
const specArb = (clean: boolean) =>
  fc.record({
    infra: fc.subarray([...INFRA]),
    apps: fc.subarray([...APPS]),
    variants: fc.array(variant, { minLength: 6, maxLength: 6 }),
    pullPolicy: clean ? fc.constantFrom('missing', 'always') : fc.constantFrom('missing', 'always', 'never'),
    externalData: fc.boolean(),
    externalNet: fc.boolean(),
    keep: fc.integer({ min: 0, max: 3 }),
    protect: fc.subarray(
      clean ? ['p_*_persistent', 'legacy_*', '*_keep'] : ['p_*_persistent', 'legacy_*', 'p_api_*', '*_keep'],
    ),
  });

const infraLive = (clean: boolean) =>
  fc.oneof(
    fc.constant({ kind: 'absent' as const }),
    fc.record({ kind: fc.constant('managed' as const), variant, state, health, movedImage: fc.boolean() }),
    fc.record({ kind: fc.constant('unmanaged' as const), state, otherImage: fc.boolean() }),
    fc.record({ kind: fc.constant(clean ? ('absent' as const) : ('foreign' as const)), state }),
  );

const appLive = fc.record({
  service: fc.constantFrom(...APPS),
  deployId: fc.constantFrom(...DEPLOYS, 'd5'),
  variant,
  state,
  health,
  // A small range, so generations often tie on creation time and the tie-break is exercised.
  createdAt: fc.integer({ min: 1, max: 6 }),
  flavor: fc.constantFrom('managed', 'managed', 'managed', 'noDeployId', 'aside', 'foreign', 'unmanaged'),
});

const liveArb = (clean: boolean) =>
  fc.record({
    clean: fc.constant(clean),
    infra: fc.array(infraLive(clean), { minLength: 3, maxLength: 3 }),
    infraAside: fc.subarray([...INFRA]),
    apps: fc.array(appLive, { maxLength: 14 }),
    extras: fc.subarray([
      'legacy_redis',
      'legacy_x',
      'random_a',
      'p_old_keep',
      'p_api_manual',
      'p_web_persistent',
    ]),
    lock: fc.boolean(),
    volumes: fc.subarray(['p_data', 'p_logs', 'old_vol', 'q_vol']),
    networks: fc.subarray(['p_net', 'old_net']),
    images: fc.array(fc.constantFrom('absent', 'present', 'moved'), {
      minLength: IMAGES.length,
      maxLength: IMAGES.length,
    }),
    certs: fc.boolean(),
    deployId: fc.constantFrom(...DEPLOYS, 'd5'),
    replace: fc.subarray([...INFRA]),
  });

// Building the identity labels (a JSON definition per container) dominates generation time; the
// pool is fixed, so each (spec, service, name, deploy id, image) combination is built once.
const templates = new Map<string, ContainerInfo>();
function managed(
  spec: Spec,
  service: ServiceSpec,
  opts: Parameters<typeof managedContainer>[2] = {},
): ContainerInfo {
  const key = [
    spec === POOLS[1] ? 1 : 0,
    service.name,
    opts.name,
    opts.deployId,
    opts.imageId,
    JSON.stringify(opts.extraLabels),
  ].join('|');
  let base = templates.get(key);
  if (!base) {
    base = managedContainer(spec, service, { ...opts, state: 'running', health: undefined, createdAt: 0 });
    templates.set(key, base);
  }
  const c: ContainerInfo = {
    ...base,
    labels: { ...base.labels },
    state: opts.state ?? 'running',
    createdAt: opts.createdAt ?? 0,
  };
  if (opts.health) c.health = opts.health;
  return c;
}

type SpecRecipe = ReturnType<typeof specArb> extends fc.Arbitrary<infer T> ? T : never;
type LiveRecipe = ReturnType<typeof liveArb> extends fc.Arbitrary<infer T> ? T : never;

function makeSpec(r: SpecRecipe): Spec {
  const pick = (name: string, i: number): ServiceSpec => ({
    ...poolService(name, r.variants[i] ?? 0),
    pullPolicy: r.pullPolicy,
  });
  return buildSpec({
    project: P,
    volumes: [volumeSpec('p_data', r.externalData), volumeSpec('p_logs')],
    networks: [networkSpec('p_net', r.externalNet)],
    dirs: [dirSpec('certs', '/srv/certs')],
    infra: r.infra.map((n) => pick(n, INFRA.indexOf(n))),
    apps: r.apps.map((n) => pick(n, 3 + APPS.indexOf(n))),
    keepGenerations: r.keep,
    protect: r.protect,
  });
}

function makeObserved(r: LiveRecipe): ObservedState {
  // A clean state has everything external the spec may need, and nothing foreign on the new generation's names.
  const volumes = r.clean ? [...new Set(['p_data', ...r.volumes])] : r.volumes;
  const networks = r.clean ? [...new Set(['p_net', ...r.networks])] : r.networks;
  const containers: ContainerInfo[] = [];
  INFRA.forEach((name, i) => {
    const live = r.infra[i]!;
    const svc = poolService(name, live.kind === 'managed' ? live.variant : 0);
    const cn = svc.containerName!;
    if (live.kind === 'managed') {
      containers.push(
        managed(POOLS[live.variant === 1 ? 1 : 0], svc, {
          state: live.state,
          health: live.health,
          imageId: live.movedImage ? 'sha256:old' : undefined,
        }),
      );
    } else if (live.kind === 'unmanaged') {
      containers.push(
        container(cn, {
          image: svc.image,
          imageId: live.otherImage ? 'sha256:legacy' : imageIdOf(svc.image),
          state: live.state,
        }),
      );
    } else if (live.kind === 'foreign') {
      containers.push(container(cn, { labels: foreignLabels('q', 'infra'), state: live.state }));
    }
  });
  for (const name of r.infraAside) {
    const svc = poolService(name, 0);
    containers.push(
      managed(POOLS[0], svc, {
        name: `${svc.containerName!}.replaced-20260101T000000Z`,
        state: 'exited',
      }),
    );
  }
  for (const a of r.apps) {
    const svc = poolService(a.service, a.variant);
    const spec = POOLS[a.variant === 1 ? 1 : 0];
    const name = appContainerName(P, a.service, a.deployId);
    const opts = { deployId: a.deployId, state: a.state, health: a.health, createdAt: a.createdAt };
    if (a.flavor === 'managed') containers.push(managed(spec, svc, opts));
    else if (a.flavor === 'noDeployId') {
      const c = managed(spec, svc, { ...opts, name: `${name}_x` });
      delete c.labels[LABEL.deployId];
      containers.push(c);
    } else if (a.flavor === 'aside')
      containers.push(managed(spec, svc, { ...opts, name: `${name}.replaced-20260101T000000Z` }));
    else if (r.clean && a.deployId === r.deployId) continue;
    else if (a.flavor === 'foreign')
      containers.push(
        container(name, {
          labels: foreignLabels('q', 'app', { [LABEL.deployId]: a.deployId }),
          state: a.state,
        }),
      );
    else containers.push(container(name, { state: a.state }));
  }
  for (const name of r.extras) containers.push(container(name));
  if (r.lock)
    containers.push(
      container('p_lock', { labels: { [LABEL.project]: P, [LABEL.role]: 'lock' }, state: 'created' }),
    );

  const mine = { [LABEL.project]: P, [LABEL.role]: 'infra' };
  const labelsOf = (n: string) =>
    n.startsWith('q_') ? { [LABEL.project]: 'q', [LABEL.role]: 'infra' } : n.startsWith('old_') ? mine : {};
  return observedState({
    // An engine never has two containers with one name.
    containers: containers.filter((c, i) => containers.findIndex((o) => o.name === c.name) === i),
    volumes: volumes.map((n) => volumeInfo(n, labelsOf(n))),
    networks: networks.map((n) => networkInfo(n, labelsOf(n))),
    images: IMAGES.flatMap((ref, i) =>
      r.images[i] === 'absent'
        ? []
        : [imageInfo(ref, r.images[i] === 'moved' ? { id: `sha256:moved-${ref}` } : {})],
    ),
    dirs: { certs: r.certs },
  });
}

const inputArb = (clean: boolean): fc.Arbitrary<PlanInput> =>
  fc.tuple(specArb(clean), liveArb(clean)).map(([s, l]) => {
    const spec = makeSpec(s);
    const replace = l.replace.filter((n) => spec.infra.services.some((x) => x.name === n));
    return { spec, observed: makeObserved(l), deployId: l.deployId, replace };
  });

/** The safety properties every plan must have, whatever the live state: the list of what is broken. */
function safetyProblems(input: PlanInput, plan: Plan): string[] {
  const { spec, observed } = input;
  const problems = plan.blockers.filter((b) => b.code === 'protection_violation').map((b) => b.message);
  for (const action of plan.actions) {
    const what = `${action.kind} ${action.resource} ${action.name}`;
    const destructive = action.kind === 'stop' || action.kind === 'remove' || action.kind === 'replace';
    if (action.resource !== 'container') {
      if (destructive) problems.push(`${what}: volumes, networks and dirs are never destroyed`);
      continue;
    }
    const target = observed.containers.find((c) => c.id === action.observed?.id);
    const project = target?.labels[LABEL.project];
    if (target?.labels[LABEL.role] === 'lock')
      problems.push(`${what}: the lock container is not the planner's`);
    if (target && project !== undefined && project !== P && action.kind !== 'noop')
      problems.push(`${what}: another project's container`);
    if (target && project === undefined) {
      const infraName = spec.infra.services.some((s) => s.containerName === action.name);
      if (action.kind !== 'noop' && !(infraName && ['drift', 'start', 'replace'].includes(action.kind))) {
        problems.push(`${what}: an unmanaged container`);
      }
    }
    if (!destructive) continue;
    if (!target) {
      problems.push(`${what}: no live target`);
    } else if (action.kind === 'replace' && action.role === 'infra') {
      const svc = spec.infra.services.find((s) => s.name === action.service);
      if (!input.replace.includes(action.service ?? ''))
        problems.push(`${what}: --replace did not name ${action.service ?? '?'}`);
      if (svc?.containerName !== action.name)
        problems.push(`${what}: not the container_name of ${action.service ?? '?'}`);
    } else {
      if (protectionOf(target, spec).protected)
        problems.push(`${what}: protected (${protectionOf(target, spec).why ?? ''})`);
      if (project !== P || target.labels[LABEL.role] !== 'app')
        problems.push(`${what}: not an app container of this project`);
    }
  }
  return problems;
}

/** The same input with every list the engine returns in another order. */
const reorderedArb = (input: PlanInput): fc.Arbitrary<PlanInput> => {
  const all = <T>(items: T[]) =>
    fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });
  const o = input.observed;
  return fc
    .record({
      containers: all(o.containers),
      volumes: all(o.volumes),
      networks: all(o.networks),
      images: all(o.images),
      replace: all(input.replace),
    })
    .map(({ replace, ...lists }) => ({
      ...structuredClone(input),
      observed: { ...structuredClone(o), ...lists },
      replace,
    }));
};

describe('planner properties', () => {
  it('never stops, removes or replaces anything protected, foreign or unmanaged (except --replace), and never a volume, network or dir', () => {
    fc.assert(
      fc.property(inputArb(false), (input) => {
        expect(safetyProblems(input, planDeploy(input))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same plan for the same input, whatever order the engine listed things in', () => {
    fc.assert(
      fc.property(
        inputArb(false).chain((input) => fc.tuple(fc.constant(input), reorderedArb(input))),
        ([input, again]) => {
          // Serialized, so an extra or missing `undefined` key counts as a difference too.
          expect(JSON.stringify(planDeploy(again))).toBe(JSON.stringify(planDeploy(input)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('finds no changes when the live state already equals the spec', () => {
    fc.assert(
      fc.property(
        specArb(false),
        fc.constantFrom(...DEPLOYS),
        fc.subarray(['legacy_redis', 'p_web_persistent', 'random_a']),
        (s, deployId, extras) => {
          const spec = makeSpec(s);
          const observed = matchingState(spec, deployId);
          observed.containers.push(...extras.map((n) => container(n)));
          const plan = planDeploy({ spec, observed, deployId, replace: [] });
          expect(hasChanges(plan)).toBe(false);
          expect(plan.summary.drift).toBe(0);
          // The only thing a matching state can still be refused for: an app name that cleanup.protect covers.
          expect(plan.blockers.filter((b) => b.code !== 'protected_name_conflict')).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('finds nothing left to do when planning again on the state the first plan produces', () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const first = planDeploy(input);
        fc.pre(first.blockers.length === 0);
        const after = simulateApply(first, input.spec, input.observed);
        const second = planDeploy({ ...input, observed: after, replace: [] });
        expect(safetyProblems({ ...input, observed: after, replace: [] }, second)).toEqual([]);
        expect(second.blockers).toEqual([]);
        expect(
          second.actions
            .filter((a) => a.kind !== 'noop' && a.kind !== 'drift')
            .map((a) => `${a.kind} ${a.name}`),
        ).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});
