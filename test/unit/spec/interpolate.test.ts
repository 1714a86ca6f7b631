import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../src/spec/interpolate.js';
import { HEAD, loadErrors, loadOk } from './helpers.js';

const vars: Record<string, string> = { TAG: 'v2', EMPTY: '', HOST: 'db' };
const lookup = (name: string): string | undefined => vars[name];
const value = (text: string): string => {
  const r = interpolate(text, lookup);
  if (r.errors.length > 0) throw new Error(r.errors.join('; '));
  return r.value;
};
const errors = (text: string): string[] => interpolate(text, lookup).errors;

describe('interpolate (Compose syntax)', () => {
  it.each([
    ['plain text', 'no variables', 'no variables'],
    ['${VAR}', 'app:${TAG}', 'app:v2'],
    ['$VAR', 'app:$TAG', 'app:v2'],
    ['$VAR ends at the first non-name character', '$HOST:5432', 'db:5432'],
    ['$$ is a literal $', 'price: $$5 and $${TAG}', 'price: $5 and ${TAG}'],
    [':- uses the default when unset', '${NOPE:-fallback}', 'fallback'],
    [':- uses the default when empty', '${EMPTY:-fallback}', 'fallback'],
    [':- keeps a set value', '${TAG:-fallback}', 'v2'],
    ['- uses the default only when unset', '${NOPE-fallback}|${EMPTY-fallback}', 'fallback|'],
    [':? passes a set value', '${TAG:?needed}', 'v2'],
    ['? accepts an empty value', '[${EMPTY?needed}]', '[]'],
    [':+ gives the alternate when set and not empty', '${TAG:+set}|${EMPTY:+set}|${NOPE:+set}', 'set||'],
    ['+ gives the alternate when set', '${EMPTY+set}|${NOPE+set}', 'set|'],
    ['defaults may nest references', '${NOPE:-${HOST}:${NOPE2:-5432}}', 'db:5432'],
    ['an empty default', '${NOPE:-}', ''],
    ['a default containing colons and slashes', '${NOPE:-postgres://u@h:5/x}', 'postgres://u@h:5/x'],
  ])('%s', (_name, text, expected) => {
    expect(value(text)).toBe(expected);
  });

  it('reports which variables were used and what replaced them', () => {
    expect(interpolate('${TAG}-${NOPE:-x}-$HOST', lookup).uses).toEqual([
      { name: 'TAG', text: 'v2' },
      { name: 'NOPE', text: 'x' },
      { name: 'HOST', text: 'db' },
    ]);
  });

  it('makes an unset variable without default an error, saying how to fix it', () => {
    expect(errors('app:${TAG2}')).toEqual([
      'uses ${TAG2} but variable TAG2 is not set; export it, add it to .env beside the spec, or write ${TAG2:-default}',
    ]);
    expect(errors('app:$TAG2')).toEqual([
      "uses $TAG2 but variable TAG2 is not set; export it, add it to .env beside the spec, or write ${TAG2:-default}, or $$TAG2 if the container's shell should expand it",
    ]);
  });

  it('makes :? and ? errors carry the message, with references in it interpolated', () => {
    expect(errors('${NOPE:?set NOPE to the release tag (now ${TAG})}')).toEqual([
      'requires variable NOPE to be set and not empty: set NOPE to the release tag (now v2)',
    ]);
    expect(errors('${EMPTY:?}')).toEqual(['requires variable EMPTY to be set and not empty']);
    expect(errors('${NOPE?missing}')).toEqual(['requires variable NOPE to be set: missing']);
  });

  it('refuses malformed references', () => {
    expect(errors('${TAG')).toEqual([
      'has "${" without a closing "}"; close it, or write $$ for a literal $',
    ]);
    expect(errors('${1ABC}')).toEqual([
      'has an invalid reference "${1ABC}"; write ${NAME}, ${NAME:-default} or ${NAME:?message}, or $$ for a literal $',
    ]);
    expect(errors('cost $5')).toEqual(['has a "$" that starts no variable; write $$ for a literal $']);
    expect(errors('end $')).toEqual(['has a "$" that starts no variable; write $$ for a literal $']);
  });
});

describe('interpolation in deployctl.yaml', () => {
  const spec = (extra: string): string => `${HEAD}apps:\n  services:\n    api:\n${extra}`;

  it('interpolates values, never keys, from the environment', async () => {
    const s = await loadOk(
      spec('      image: shop/api:${TAG}\n      environment:\n        ${KEY}: ${TAG}\n'),
      { env: { TAG: 'v9', KEY: 'X' } },
    );
    expect(s.apps.services[0]?.image).toBe('shop/api:v9');
    expect(s.apps.services[0]?.environment).toEqual({ '${KEY}': 'v9' });
  });

  it('reports each unset variable at its value, with line and column', async () => {
    const errs = await loadErrors(
      spec('      image: shop/api:${TAG}\n      user: ${RUN_AS:?set RUN_AS to the uid}\n'),
    );
    expect(errs).toEqual([
      'deployctl.yaml:6:14: apps.services.api.image uses ${TAG} but variable TAG is not set; export it, add it to .env beside the spec, or write ${TAG:-default}',
      'deployctl.yaml:7:13: apps.services.api.user requires variable RUN_AS to be set and not empty: set RUN_AS to the uid',
    ]);
  });

  it('reports interpolation errors inside lists and flow mappings', async () => {
    const errs = await loadErrors(
      spec(
        '      image: x\n      command: [run, "--port=${PORT}"]\n      labels: { a: "$${ok}", b: "$oops!" }\n',
      ),
      { env: { oops: 'x' } },
    );
    expect(errs).toEqual([
      'deployctl.yaml:7:22: apps.services.api.command[1] uses ${PORT} but variable PORT is not set; export it, add it to .env beside the spec, or write ${PORT:-default}',
    ]);
  });

  it('casts interpolated numbers and booleans where the schema wants them, like Compose', async () => {
    const s = await loadOk(
      spec(
        '      image: x\n      init: ${INIT}\n      healthcheck: {test: [CMD, "true"], retries: "${RETRIES}", interval: "${EVERY}"}\n      ports:\n        - target: ${PORT}\n',
      ) + 'cleanup:\n  keep_generations: ${KEEP}\n',
      { env: { INIT: 'true', RETRIES: '7', EVERY: '15', PORT: '8080', KEEP: '4' } },
    );
    const api = s.apps.services[0];
    expect(api?.init).toBe(true);
    expect(api?.healthcheck).toEqual({ test: ['CMD', 'true'], retries: 7, intervalMs: 15_000 });
    expect(api?.ports).toEqual([{ containerPort: 8080, protocol: 'tcp' }]);
    expect(s.cleanup.keepGenerations).toBe(4);
  });

  it('keeps interpolated environment values as strings', async () => {
    const s = await loadOk(
      spec('      image: x\n      environment:\n        VERSION: ${V}\n        FLAG: ${F}\n'),
      { env: { V: '1.10', F: 'true' } },
    );
    expect(s.apps.services[0]?.environment).toEqual({ FLAG: 'true', VERSION: '1.10' });
  });

  it('does not echo a schema error for a value whose interpolation already failed', async () => {
    const errs = await loadErrors(spec('      image: x\n      ports: ["${PORT}:80"]\n'));
    expect(errs).toEqual([
      'deployctl.yaml:7:15: apps.services.api.ports[0] uses ${PORT} but variable PORT is not set; export it, add it to .env beside the spec, or write ${PORT:-default}',
    ]);
  });

  it('interpolates anchors once, where they are defined', async () => {
    const s = await loadOk(
      `${HEAD}x-img: &img "shop/app:\${TAG:-v1}"\napps:\n  services:\n    a: {image: *img}\n    b: {image: *img}\n`,
      { env: { TAG: 'v3' } },
    );
    expect(s.apps.services.map((x) => x.image)).toEqual(['shop/app:v3', 'shop/app:v3']);
  });
});
