/** The shared Engine contract against the dockerode adapter on the real engine. */
import { afterAll } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import { cleanupProject, uniqueProject } from './support/engine.js';
import { describeEngineContract } from './support/engine-contract.js';

const project = uniqueProject('contract');
const engine = connectEngine(process.env);

afterAll(() => cleanupProject(project));

describeEngineContract('DockerEngine on the real engine', () => ({
  engine,
  image: 'deployctl-fixture/app:v1',
  project,
}));
