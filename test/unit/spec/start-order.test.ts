import { describe, expect, it } from 'vitest';
import { DeployctlError } from '../../../src/errors.js';
import { dependencyCycle, startOrder } from '../../../src/spec/start-order.js';

const svc = (name: string, ...dependsOn: string[]): { name: string; dependsOn: string[] } => ({
  name,
  dependsOn,
});

describe('startOrder', () => {
  it('puts independent services in one level, keeping input order', () => {
    expect(startOrder([svc('b'), svc('a'), svc('c')])).toEqual([['b', 'a', 'c']]);
  });

  it('orders a chain', () => {
    expect(startOrder([svc('frontend', 'backend'), svc('backend', 'db'), svc('db')])).toEqual([
      ['db'],
      ['backend'],
      ['frontend'],
    ]);
  });

  it('starts a service only after all of its dependencies (diamond)', () => {
    expect(
      startOrder([svc('app', 'api', 'worker'), svc('api', 'db'), svc('worker', 'db'), svc('db')]),
    ).toEqual([['db'], ['api', 'worker'], ['app']]);
  });

  it('ignores dependencies outside the list (infra that is already running)', () => {
    expect(startOrder([svc('backend', 'db'), svc('frontend', 'backend')])).toEqual([
      ['backend'],
      ['frontend'],
    ]);
  });

  it('returns no levels for no services', () => {
    expect(startOrder([])).toEqual([]);
  });

  it('throws an INTERNAL error on a cycle (loadSpec rejects cycles first)', () => {
    expect(() => startOrder([svc('a', 'b'), svc('b', 'a')])).toThrow(DeployctlError);
    expect(() => startOrder([svc('a', 'b'), svc('b', 'a')])).toThrow(/a -> b -> a/);
  });
});

describe('dependencyCycle', () => {
  it('finds a cycle and names it from where it closes', () => {
    expect(dependencyCycle([svc('x'), svc('a', 'b'), svc('b', 'c'), svc('c', 'a')])).toEqual([
      'a',
      'b',
      'c',
      'a',
    ]);
    expect(dependencyCycle([svc('a', 'a')])).toEqual(['a', 'a']);
  });

  it('finds none in a DAG or through unknown names', () => {
    expect(dependencyCycle([svc('a', 'b', 'ext'), svc('b')])).toBeUndefined();
  });
});
