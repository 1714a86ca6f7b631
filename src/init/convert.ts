import { basename } from 'node:path';
import { interpolate } from '../spec/interpolate.js';
import { classifyServices } from './classify.js';
import { Conversion } from './context.js';
import { proposeDatabase } from './database.js';
import { isObj, type ConversionInput, type ConversionResult, type Obj, type ServiceReport } from './model.js';
import { projectName } from './names.js';
import { convertFileDecls, convertNetworks, convertVolumes } from './resources.js';
import { convertService } from './service.js';

const TOP_TRANSLATED = new Set(['services', 'volumes', 'networks', 'secrets', 'configs', 'name', 'version']);

/**
 * A Compose file → a deployctl spec, as plain data, with a note for every key translated,
 * dropped or needing attention. Pure: the caller reads files and asks the engine. The same
 * input always gives the same output (Compose's order is kept).
 */
export function convertCompose(input: ConversionInput): ConversionResult {
  const { compose } = input;
  // Compose's precedence: COMPOSE_PROJECT_NAME (environment or .env), then name:, then the directory.
  const named = typeof compose.name === 'string' ? interpolate(compose.name, input.lookup).value : undefined;
  const composeProject = projectName(
    input.lookup('COMPOSE_PROJECT_NAME') ?? named ?? basename(input.composeDir),
  );
  const project = projectName(input.project ?? composeProject);
  const conv = new Conversion(input, project, composeProject);

  const volumes = convertVolumes(compose.volumes, conv);
  convertNetworks(compose.networks, conv);
  convertFileDecls('secrets', compose.secrets, conv);
  convertFileDecls('configs', compose.configs, conv);

  const services = isObj(compose.services) ? compose.services : {};
  const classes = classifyServices(services, conv);
  const roles = new Map([...classes].map(([n, c]) => [n, c.role]));
  const infra: Obj = {};
  const apps: Obj = {};
  const reports: ServiceReport[] = [];
  let database = false;
  const jobs = oneOffJobs(services);
  for (const [name, raw] of Object.entries(services)) {
    const svc = isObj(raw) ? raw : {};
    const { role, reason } = classes.get(name) ?? { role: 'app', reason: 'stateless' };
    const at = [role === 'infra' ? 'infra' : 'apps', 'services', name];
    const out = convertService(svc, { name, role, roles, conv });
    const report: ServiceReport = { name, role, reason };
    if (svc.build !== undefined) report.build = buildImage(svc, name, out, at, conv);
    if (typeof out.image === 'string') report.image = out.image;
    else if (svc.extends === undefined) conv.note('attention', at, 'has no image: set image:');
    if (role === 'infra') database = proposeDatabase(svc, out, at, conv, database) || database;
    if (jobs.has(name))
      conv.note(
        'attention',
        at,
        'a one-off job (others wait for it to complete): deployctl health-gates services that keep running, so run it as a step before apply and remove it here',
      );
    conv.note('translated', at, `${role === 'infra' ? 'infra' : 'app'}: ${reason}`);
    (role === 'infra' ? infra : apps)[name] = out;
    reports.push(report);
  }

  for (const key of Object.keys(compose)) {
    if (key.startsWith('x-'))
      conv.note('dropped', [], `${key}: Compose extension field, already expanded where it was used`);
    else if (key === 'version')
      conv.note('dropped', ['version'], 'the Compose file format version; this is deployctl spec version 1');
    else if (!TOP_TRANSLATED.has(key))
      conv.note('attention', [], `${key}: dropped: not supported at the top level`);
  }
  if (typeof compose.name === 'string') conv.note('translated', ['project'], "Compose's name:");

  const spec: Obj = { version: 1, project };
  const infraOut: Obj = {};
  if (Object.keys(conv.volumes).length > 0) infraOut.volumes = conv.volumes;
  if (Object.keys(conv.networks).length > 0) infraOut.networks = conv.networks;
  if (Object.keys(conv.dirs).length > 0) infraOut.dirs = conv.dirs;
  if (Object.keys(infra).length > 0) infraOut.services = infra;
  if (Object.keys(infraOut).length > 0) spec.infra = infraOut;
  if (Object.keys(apps).length > 0) spec.apps = { services: apps };
  if (Object.keys(conv.secrets).length > 0) spec.secrets = conv.secrets;
  if (Object.keys(conv.configs).length > 0) spec.configs = conv.configs;

  return {
    project,
    spec,
    notes: conv.notes,
    services: reports,
    volumes,
    dirs: Object.entries(conv.dirs).map(([name, d]) => ({ name, path: String((d as Obj).path) })),
    networks: [...conv.networkNames].map(([compose, name]) => ({
      compose,
      name,
      external: (conv.networks[name] as Obj | undefined)?.external === true,
    })),
  };
}

/** deployctl deploys images: a `build:` service needs the image its build produces. */
function buildImage(
  svc: Obj,
  name: string,
  out: Obj,
  at: (string | number)[],
  conv: Conversion,
): ServiceReport['build'] {
  const build = svc.build;
  const context =
    typeof build === 'string'
      ? build
      : isObj(build) && typeof build.context === 'string'
        ? build.context
        : '.';
  // docker compose build tags an image without image: as <project>-<service>.
  const image = typeof svc.image === 'string' ? svc.image : `${conv.composeProject}-${name}`;
  conv.note(
    'attention',
    [...at, 'image'],
    `was build: ${context}; deployctl deploys images: build and push ${image} in CI (or docker compose build on the host), then deploy with its tag`,
  );
  return { context, image };
}

/** Services another one waits for with `condition: service_completed_successfully`. */
function oneOffJobs(services: Obj): Set<string> {
  const jobs = new Set<string>();
  for (const svc of Object.values(services)) {
    const deps = isObj(svc) && isObj(svc.depends_on) ? svc.depends_on : {};
    for (const [dep, opts] of Object.entries(deps))
      if (isObj(opts) && opts.condition === 'service_completed_successfully') jobs.add(dep);
  }
  return jobs;
}
