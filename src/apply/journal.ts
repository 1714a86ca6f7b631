import type { Engine } from '../engine/port.js';
import { isEngineError } from '../engine/engine-error.js';
import type { EventSink } from '../events/sink.js';
import { containerEvent } from './lifecycle.js';

/**
 * A container this run created, or adopted: one of the new generation that a killed earlier run
 * created and never proved healthy, undone the same way.
 */
interface Created {
  id: string;
  name: string;
  role: 'infra' | 'app';
}

/** A stopped container of the new generation this run started (e.g. redeploying a kept generation). */
interface Started {
  id: string;
  name: string;
  graceMs: number;
}

/** A container this run renamed aside to make room for its replacement. */
export interface Replacement {
  name: string;
  asideName: string;
  oldId: string;
  wasRunning: boolean;
  role: 'infra' | 'app';
  newId?: string;
}

export interface RollbackReport {
  /** New-generation containers stopped and removed. */
  removed: string[];
  /** Replaced containers put back under their name (and started if they were running). */
  restored: string[];
  /** Containers that were stopped before this run started them: stopped again. */
  stoppedAgain: string[];
  /** What could not be undone, one sentence each: said to the user, never swallowed. */
  failures: string[];
}

/**
 * Everything the current run changed that a rollback must undo. Infra that was created stays:
 * it is persistent by definition and creating it destroyed nothing.
 */
export class Journal {
  readonly created: Created[] = [];
  /** App containers only: infra this run started stays up, like infra it created. */
  readonly started: Started[] = [];
  readonly replacements: Replacement[] = [];

  async rollback(engine: Engine, events?: EventSink): Promise<RollbackReport> {
    const report: RollbackReport = { removed: [], restored: [], stoppedAgain: [], failures: [] };
    for (const c of [...this.created].reverse()) {
      if (c.role !== 'app') continue;
      await attempt(report, `remove new container ${c.name}`, async () => {
        containerEvent(events, 'container.terminating', c);
        await engine.removeContainer(c.id, { force: true, removeAnonymousVolumes: true });
        report.removed.push(c.name);
        containerEvent(events, 'container.terminated', c);
        containerEvent(events, 'container.cleaned_up', c);
      });
    }
    for (const c of [...this.started].reverse()) {
      await attempt(report, `stop ${c.name} again`, async () => {
        containerEvent(events, 'container.terminating', c);
        await engine.setRestartPolicy(c.id, 'no');
        await engine.stopContainer(c.id, c.graceMs);
        report.stoppedAgain.push(c.name);
        containerEvent(events, 'container.terminated', c);
      });
    }
    for (const r of [...this.replacements].reverse()) {
      await attempt(report, `put ${r.name} back`, async () => {
        // A replacement already gone frees the name all the same: the original still goes back.
        if (r.newId) {
          await ifPresent(
            engine.removeContainer(r.newId, { force: true, removeAnonymousVolumes: r.role === 'app' }),
          );
        }
        if (!(await ifPresent(engine.renameContainer(r.oldId, r.name)))) {
          // Not "nothing to undo": the original is what should be serving under this name.
          report.failures.push(
            `could not put ${r.name} back: the original (renamed aside to ${r.asideName}) is gone`,
          );
          return;
        }
        if (r.wasRunning) await engine.startContainer(r.oldId);
        report.restored.push(r.name);
      });
    }
    return report;
  }
}

/** Runs one undo step; a failure is reported, never thrown, so the other steps still run. */
async function attempt(report: RollbackReport, what: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (isEngineError(err, 'not_found')) return; // already gone: nothing to undo
    report.failures.push(`could not ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Awaits an engine call on a container that may already be gone; returns whether it was there.
 * Each step of an undo judges "already gone" on its own, so one gone container never skips the rest.
 */
async function ifPresent(call: Promise<void>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (err) {
    if (isEngineError(err, 'not_found')) return false;
    throw err;
  }
}
