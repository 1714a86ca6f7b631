import type { ContainerInfo } from '../../../src/engine/port.js';
import { LABEL } from '../../../src/engine/labels.js';
import type { Plan } from '../../../src/plan/actions.js';
import type { ObservedState } from '../../../src/plan/observed.js';
import { localImageId } from '../../../src/plan/live.js';
import { sha256 } from '../../../src/spec/config-hash.js';
import type { Spec } from '../../../src/spec/model.js';
import { imageInfo, managedContainer, networkInfo, volumeInfo } from '../../support/builders.js';

/**
 * What the engine would look like after apply executed `plan` without failures: a model of
 * apply's effects, for the "plan again after apply finds nothing to do" property. Pulls run
 * first (apply needs images before any container); a pull of a present image keeps its id
 * (the registry served the same image).
 */
export function simulateApply(plan: Plan, spec: Spec, observed: ObservedState): ObservedState {
  const state: ObservedState = {
    containers: observed.containers.map((c) => ({ ...c, labels: { ...c.labels } })),
    volumes: [...observed.volumes],
    networks: [...observed.networks],
    images: [...observed.images],
    dirs: { ...observed.dirs },
  };
  for (const action of plan.actions.filter((a) => a.kind === 'pull')) {
    if (localImageId(state.images, action.name) === undefined) state.images.push(imageInfo(action.name));
  }
  let serial = 0;
  const create = (name: string, serviceName: string | undefined, role: 'infra' | 'app'): ContainerInfo => {
    const services = role === 'infra' ? spec.infra.services : spec.apps.services;
    const service = services.find((s) => s.name === serviceName);
    if (!service) throw new Error(`simulated create of ${name}: no ${role} service ${String(serviceName)}`);
    serial += 1;
    return managedContainer(spec, service, {
      id: sha256(`created:${name}:${serial}`),
      name,
      deployId: role === 'app' ? plan.deployId : undefined,
      imageId: localImageId(state.images, service.image),
      createdAt: 2_000_000_000_000 + serial,
    });
  };
  const byId = (id: string | undefined): number => state.containers.findIndex((c) => c.id === id);

  for (const action of plan.actions) {
    if (action.kind === 'create') {
      if (action.resource === 'volume')
        state.volumes.push(volumeInfo(action.name, { [LABEL.project]: spec.project, [LABEL.role]: 'infra' }));
      else if (action.resource === 'network')
        state.networks.push(
          networkInfo(action.name, { [LABEL.project]: spec.project, [LABEL.role]: 'infra' }),
        );
      else if (action.resource === 'dir') state.dirs[action.name] = true;
      else if (action.resource === 'container')
        state.containers.push(create(action.name, action.service, action.role === 'infra' ? 'infra' : 'app'));
    } else if (action.kind === 'replace') {
      state.containers.splice(byId(action.observed?.id), 1);
      state.containers.push(create(action.name, action.service, action.role === 'infra' ? 'infra' : 'app'));
    } else if (action.kind === 'start' || action.kind === 'stop') {
      const c = state.containers[byId(action.observed?.id)];
      if (!c) throw new Error(`simulated ${action.kind} of ${action.name}: not found`);
      c.state = action.kind === 'start' ? 'running' : 'exited';
      delete c.health;
    } else if (action.kind === 'remove') {
      state.containers.splice(byId(action.observed?.id), 1);
    }
  }
  return state;
}
