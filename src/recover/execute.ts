import { containerDefinition } from '../apply/container-definition.js';
import { containerEvent } from '../apply/lifecycle.js';
import type { ApplyDeps } from '../apply/run-state.js';
import { waitHealthy } from '../apply/wait-healthy.js';
import { asDeployctlError, DeployctlError, InterruptedError } from '../errors.js';
import type { RecoverEntry, RecoverPlan, RecoverStep } from '../plan/plan-recover.js';
import type { ServiceSpec, Spec } from '../spec/model.js';
import { startOrder } from '../spec/start-order.js';

export interface RecoveredEntry extends RecoverEntry {
  action: 'started' | 'recreated' | 'waited' | 'stopped';
}

/** The outcome of `deployctl recover` (`--json`: schemas/recover.schema.json). */
export interface RecoverSummary {
  v: 1;
  project: string;
  /** The generation that should serve, when known. */
  deploy_id: string | null;
  /** Where that was learned: the revision ledger, or live labels when there is none. */
  source: 'ledger' | 'labels';
  revision: number | null;
  recovered: RecoveredEntry[];
  skipped: RecoverEntry[];
  errors: RecoverEntry[];
}

const DEFAULT_GRACE_MS = 10_000;

/**
 * Runs a recover plan in dependency order: infrastructure first (started or recreated on its
 * same volumes, then every infra service waited healthy), then the live generation's apps level
 * by level, then retired generations that came back by themselves are stopped again, but only
 * once the live generation serves. A failure is an error entry, not an exception, so one broken
 * service does not keep the others down. The caller holds the project lock.
 */
export async function executeRecover(
  spec: Spec,
  plan: RecoverPlan,
  deps: ApplyDeps,
  update: (text: string) => void = () => undefined,
): Promise<RecoverSummary> {
  const summary = emptySummary(plan);
  const run = (step: RecoverStep) => runStep(spec, plan, step, deps, summary, update);

  const infraSteps = plan.steps.filter((s) => s.role === 'infra');
  for (const level of startOrder(spec.infra.services)) {
    await Promise.all(infraSteps.filter((s) => level.includes(s.service)).map(run));
  }
  const infraBroken = summary.errors.some((e) => e.role === 'infra');
  const appSteps = plan.steps.filter((s) => s.role === 'app' && s.kind !== 'stop');
  if (infraBroken) {
    for (const s of appSteps)
      summary.errors.push({
        ...entry(s),
        why: 'not brought back: the infrastructure it depends on is not running and healthy (see the errors above).',
      });
  } else {
    const appLevels = startOrder(spec.apps.services);
    const leftover = appSteps.filter((s) => !appLevels.some((l) => l.includes(s.service)));
    for (const level of [...appLevels, []]) {
      const inLevel = level.length > 0 ? appSteps.filter((s) => level.includes(s.service)) : leftover;
      await Promise.all(inLevel.map(run));
    }
  }
  const stops = plan.steps.filter((s) => s.kind === 'stop');
  if (summary.errors.length === 0) {
    await Promise.all(stops.map(run));
  } else {
    for (const s of stops)
      summary.errors.push({
        ...entry(s),
        why: 'a retired generation is running, but was left running because the live generation is not back (see the errors above).',
      });
  }
  return summary;
}

function emptySummary(plan: RecoverPlan): RecoverSummary {
  return {
    v: 1,
    project: plan.project,
    deploy_id: plan.target.deployId ?? null,
    source: plan.target.source,
    revision: plan.target.revision ?? null,
    recovered: [],
    skipped: [...plan.skipped],
    errors: [...plan.errors],
  };
}

function entry(step: RecoverStep): RecoverEntry {
  return { resource: step.container, role: step.role, service: step.service, why: step.why };
}

async function runStep(
  spec: Spec,
  plan: RecoverPlan,
  step: RecoverStep,
  deps: ApplyDeps,
  summary: RecoverSummary,
  update: (text: string) => void,
): Promise<void> {
  const { engine, clock, events } = deps;
  const who = { name: step.container, service: step.service };
  const service = serviceOf(spec, step);
  try {
    if (deps.signal?.aborted) throw new InterruptedError(`interrupted before recovering ${step.container}`);
    const since = clock.now();
    switch (step.kind) {
      case 'stop': {
        update(`stopping ${step.container}`);
        containerEvent(events, 'container.terminating', who);
        // Kept for rollback, as retire keeps one: policy `no` first, so the next restart leaves it down.
        await engine.setRestartPolicy(step.id, 'no');
        await engine.stopContainer(step.id, service?.stopGracePeriodMs ?? DEFAULT_GRACE_MS);
        containerEvent(events, 'container.terminated', who, clock.now() - since);
        summary.recovered.push({ ...entry(step), action: 'stopped' });
        return;
      }
      case 'start':
        update(`starting ${step.container}`);
        await engine.startContainer(step.id);
        break;
      case 'recreate': {
        if (!service)
          throw new DeployctlError(
            'INTERNAL',
            `service ${step.service} is not in the spec; this is a bug in deployctl.`,
          );
        update(`recreating ${step.container}`);
        const deployId = step.role === 'app' ? (plan.target.deployId ?? '') : '';
        const id = await engine.createContainer(containerDefinition(service, spec, deployId, step.imageId));
        containerEvent(events, 'container.created', who);
        await engine.startContainer(id);
        break;
      }
      case 'wait':
        break;
    }
    update(`waiting for ${step.container}`);
    await waitHealthy(
      engine,
      { container: step.container, service: step.service, timeoutMs: service?.waitTimeoutMs ?? 60_000 },
      clock,
      deps.signal,
    );
    containerEvent(events, 'container.ready', who, clock.now() - since);
    summary.recovered.push({
      ...entry(step),
      action: step.kind === 'start' ? 'started' : step.kind === 'recreate' ? 'recreated' : 'waited',
    });
  } catch (err) {
    const e = asDeployctlError(err);
    if (e.code === 'INTERRUPTED') throw e;
    summary.errors.push({ ...entry(step), why: `${verb(step)} failed: ${e.message}` });
  }
}

function verb(step: RecoverStep): string {
  return step.kind === 'recreate' ? 'recreating it' : step.kind === 'stop' ? 'stopping it' : 'starting it';
}

function serviceOf(spec: Spec, step: RecoverStep): ServiceSpec | undefined {
  const all = step.role === 'infra' ? spec.infra.services : spec.apps.services;
  return all.find((s) => s.name === step.service);
}
