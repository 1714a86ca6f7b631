import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/errors.js';
import { serviceDefinition } from '../../../src/spec/config-hash.js';
import { createMasker } from '../../../src/spec/masker.js';
import { isSecretName } from '../../../src/spec/secrets.js';
import { HEAD, loadOk, loadText } from './helpers.js';

describe('isSecretName', () => {
  it.each([
    'DB_PASSWORD',
    'PASSWORD',
    'PGPASSWORD',
    'POSTGRES_PASSWORD_FILE',
    'SMTP_PASSWD',
    'DB_PASS',
    'JWT_SECRET',
    'CLIENTSECRET',
    'SECRETS_DIR',
    'GITHUB_TOKEN',
    'ACCESS_TOKENS',
    'API_KEY',
    'SSH_KEY',
    'KEY',
    'aws-secret-key',
    'stripe.apiKey',
    'dbPassword',
    'APIKEY',
    'GOOGLE_CREDENTIALS',
  ])('%s is secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    'MONKEY',
    'KEYBOARD_LAYOUT',
    'TOKENIZER_MODEL',
    'PASSENGER_COUNT',
    'PWD',
    'DATABASE_URL',
    'TAG',
    'HOSTNAME',
    'KEYCLOAK_URL',
    'TURNKEY',
  ])('%s is not secret', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('sensitive values in a loaded spec', () => {
  const env = { DB_PASSWORD: 'pg-Secr3t-value', STRIPE: 'sk_live_abcdef', TAG: 'v1' };
  const yaml = `${HEAD}secrets: [STRIPE, SIGNING]
apps:
  services:
    api:
      image: shop/api:\${TAG}
      environment:
        DATABASE_URL: postgres://shop:\${DB_PASSWORD}@db/shop
        PAYMENTS: \${STRIPE}
        SIGNING: literal-signing-value
        SESSION_KEY: literal-session-value
        MODE: production
        PORT: "8080"
`;

  it('marks env keys whose value came from a secret variable, a listed one, or whose key is secret', async () => {
    const spec = await loadOk(yaml, { env });
    const api = spec.apps.services[0];
    expect(api?.sensitiveKeys).toEqual(['DATABASE_URL', 'PAYMENTS', 'SESSION_KEY', 'SIGNING']);
  });

  it('collects raw variable values and resulting env values, and nothing public', async () => {
    const spec = await loadOk(yaml, { env });
    expect([...spec.sensitiveValues].sort()).toEqual(
      [
        'literal-session-value',
        'literal-signing-value',
        'pg-Secr3t-value',
        'postgres://shop:pg-Secr3t-value@db/shop',
        'sk_live_abcdef',
      ].sort(),
    );
  });

  it('treats a default of a secret variable as secret', async () => {
    const spec = await loadOk(
      `${HEAD}apps:\n  services:\n    api:\n      image: x\n      environment:\n        URL: "pg://u:\${DB_PASSWORD:-dev-default-pw}@db"\n`,
    );
    expect(spec.apps.services[0]?.sensitiveKeys).toEqual(['URL']);
    expect(spec.sensitiveValues).toContain('dev-default-pw');
  });

  it('follows secrets through YAML anchors merged into a service', async () => {
    const spec = await loadOk(
      `${HEAD}x-db-env: &db-env\n  DB_URL: "pg://u:\${DB_PASSWORD}@db/x"\napps:\n  services:\n    api:\n      image: x\n      environment:\n        <<: *db-env\n        MODE: prod\n`,
      { env },
    );
    expect(spec.apps.services[0]?.sensitiveKeys).toEqual(['DB_URL']);
    expect(spec.sensitiveValues).toContain('pg://u:pg-Secr3t-value@db/x');
  });

  it('never puts a secret in the masked service definition', async () => {
    const spec = await loadOk(yaml, { env });
    const api = spec.apps.services[0];
    if (!api) throw new Error('no api');
    const definition = JSON.stringify(serviceDefinition(api, spec.project, spec.sensitiveValues));
    for (const secret of spec.sensitiveValues) expect(definition).not.toContain(secret);
    expect(definition).toContain('production');
  });

  it('masks every secret in the message text of issues', async () => {
    // The value of a secret variable ends up in a place the schema rejects (an enum).
    const result = await loadText(
      `${HEAD}apps:\n  services:\n    api:\n      image: x\n      networks: ["\${API_TOKEN}", "\${API_TOKEN}"]\n`,
      {
        env: { API_TOKEN: 'tok-very-secret-123' },
      },
    );
    expect(result.ok).toBe(false);
    const text = result.ok ? '' : result.issues.map(formatIssue).join('\n');
    expect(text).toContain('lists "(sensitive)" more than once');
    expect(text).not.toContain('tok-very-secret-123');
  });

  it('masks a secret echoed by an interpolation error message', async () => {
    const result = await loadText(
      `${HEAD}apps:\n  services:\n    api:\n      image: "\${NOPE:?the token is \${API_TOKEN}}"\n`,
      { env: { API_TOKEN: 'tok-very-secret-123' } },
    );
    const text = result.ok ? '' : result.issues.map(formatIssue).join('\n');
    expect(text).toBe(
      'deployctl.yaml:6:14: apps.services.api.image requires variable NOPE to be set and not empty: the token is (sensitive)',
    );
  });

  it('warns when a secret variable is used outside environment: (it would be stored in a label)', async () => {
    const result = await loadText(
      `${HEAD}apps:\n  services:\n    api:\n      image: x\n      command: ["--password", "\${DB_PASSWORD}"]\n`,
      { env },
    );
    expect(result.ok).toBe(true);
    expect(result.warnings.map(formatIssue)).toEqual([
      "deployctl.yaml:7:31: apps.services.api.command[1] uses secret variable DB_PASSWORD outside environment:; deployctl masks it in its own output, but it is stored in plain text in the container's deployctl.config label; pass it through environment: instead",
    ]);
    expect(result.ok && result.spec.sensitiveValues).toEqual(['pg-Secr3t-value']);
    expect(createMasker(result.ok ? result.spec.sensitiveValues : [])('--password pg-Secr3t-value')).toBe(
      '--password (sensitive)',
    );
  });
});

describe('secrets outside environment', () => {
  it('GIVEN a secret variable used in command WHEN the definition is stored THEN the command holds only a hash', async () => {
    const spec = await loadOk(
      'version: 1\nproject: shop\napps:\n  services:\n    api:\n      image: shop/api:v1\n      command: ["serve", "--token=${API_TOKEN}"]\n',
      { env: { API_TOKEN: 'tok-9f8e7d6c' } },
    );
    const api = spec.apps.services[0]!;
    const stored = JSON.stringify(serviceDefinition(api, 'shop', spec.sensitiveValues));
    expect(stored).not.toContain('tok-9f8e7d6c');
    expect(stored).toMatch(/"command":\["serve","sha256:[0-9a-f]{16}"\]/);
  });
});
