import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDeadlinePolicy, defaultRetentionPolicy } from '@app/case-domain';
import { generateKeyPairSync } from 'node:crypto';
import { TreeHeadSigningKey } from '@app/audit';
import { ConfigurationError, loadConfig } from './app-config';

const policyFile = (json: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'marac-policy-')), 'policy.json');
  writeFileSync(file, json);
  return file;
};

const KEK = 'q'.repeat(43) + '=';
const AUDIT_SEED = TreeHeadSigningKey.generateText();

describe('loadConfig', () => {
  it('refuses a production deployment without a key-encryption key, and a key that is not 32 bytes, never echoing it', () => {
    expect(() => loadConfig({ EVENTSTORE_CONNECTION_STRING: 'esdb://eventstore:2113?tls=false' })).toThrow(
      /KEY_ENCRYPTION_KEY \(or KEY_ENCRYPTION_KEY_FILE\) is required/,
    );
    expect(() => loadConfig({ KEY_STORE_URL: 'postgres://keys/marac' })).toThrow(/KEY_ENCRYPTION_KEY/);
    expect(() => loadConfig({ KEY_ENCRYPTION_KEY: 'not-a-key-at-all' })).toThrow(/32 random bytes/);
    expect(() => loadConfig({ KEY_ENCRYPTION_KEY: 'not-a-key-at-all' })).not.toThrow(/not-a-key-at-all/);
    expect(() => loadConfig({ KEY_ENCRYPTION_KEY: KEK, KEY_ENCRYPTION_KEY_FILE: '/run/secrets/kek' })).toThrow(
      /alternatives/,
    );
    expect(loadConfig({ KEY_ENCRYPTION_KEY_FILE: policyFile(KEK) }).keyEncryptionKey).toMatchObject({
      kind: 'given',
      text: KEK,
    });
  });

  it('reads the audit signing key from AUDIT_SIGNING_KEY or a file, and refuses one that is not an Ed25519 key, never echoing it', () => {
    const seed = TreeHeadSigningKey.generateText();
    expect(loadConfig({ AUDIT_SIGNING_KEY: seed }).auditSigningKey).toEqual({
      kind: 'given',
      text: seed,
      source: 'AUDIT_SIGNING_KEY',
    });
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(loadConfig({ AUDIT_SIGNING_KEY_FILE: policyFile(pem) }).auditSigningKey).toMatchObject({
      kind: 'given',
      text: pem.trim(),
    });
    expect(() => loadConfig({ AUDIT_SIGNING_KEY: 'not-a-signing-key' })).toThrow(/AUDIT_SIGNING_KEY: .*32-byte seed/);
    expect(() => loadConfig({ AUDIT_SIGNING_KEY: 'not-a-signing-key' })).not.toThrow(/not-a-signing-key/);
    expect(() => loadConfig({ AUDIT_SIGNING_KEY: seed, AUDIT_SIGNING_KEY_FILE: '/run/secrets/audit' })).toThrow(
      /alternatives/,
    );
    expect(() => loadConfig({ AUDIT_SIGNING_KEY_FILE: '/nonexistent/audit-key' })).toThrow(
      /AUDIT_SIGNING_KEY_FILE: cannot read .*ENOENT/,
    );
  });

  it('requires a given audit signing key with EventStoreDB (a development key goes with its volume)', () => {
    const production = { EVENTSTORE_CONNECTION_STRING: 'esdb://eventstore:2113?tls=false', KEY_ENCRYPTION_KEY: KEK };
    expect(() => loadConfig(production)).toThrow(/AUDIT_SIGNING_KEY \(or AUDIT_SIGNING_KEY_FILE\) is required/);
    const seed = TreeHeadSigningKey.generateText();
    expect(loadConfig({ ...production, AUDIT_SIGNING_KEY: seed }).auditSigningKey).toMatchObject({ kind: 'given' });
  });

  it('refuses a retention policy with unknown fields or units', () => {
    expect(() =>
      loadConfig({ RETENTION_POLICY_FILE: policyFile('{"reviewAfter": {"amount": 6, "unit": "decades"}}') }),
    ).toThrow(/reviewAfter.unit must be one of years, calendar_days/);
    expect(() => loadConfig({ RETENTION_POLICY_FILE: policyFile('{"keepFor": 6}') })).toThrow(
      /unknown fields: keepFor/,
    );
  });

  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/app/data',
      redisUrl: undefined,
      redisServerBinary: 'redis-server',
      eventStoreConnectionString: undefined,
      workerInProcess: true,
      logLevel: 'log',
      // JSON lines, unless the tests run with their output on a terminal.
      logFormat: process.stdout.isTTY ? 'text' : 'json',
      tokenKey: { kind: 'development' },
      tokenClaims: { issuer: undefined, audience: undefined, maxLifetimeSeconds: 12 * 3600 },
      agenciesFile: undefined,
      redisKeyPrefix: 'marac',
      readWaitMs: 5000,
      rebuildThreadHeapMb: 256,
      workerNice: 5,
      workerHealthFile: undefined,
      deadlinePolicy: defaultDeadlinePolicy,
      keyEncryptionKey: { kind: 'development' },
      keyStoreUrl: undefined,
      retentionPolicy: defaultRetentionPolicy,
      auditSigningKey: { kind: 'development' },
      auditTreeHeadPolicy: { maxUnsignedEvents: 1000, maxUnsignedSeconds: 60 },
    });
  });

  it('reads every variable it knows', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        DATA_DIR: '/var/lib/marac',
        REDIS_URL: 'redis://redis:6379',
        EVENTSTORE_CONNECTION_STRING: 'esdb://eventstore:2113?tls=false',
        WORKER_IN_PROCESS: 'false',
        WORKER_NICE: '0',
        WORKER_HEALTH_FILE: 'run/worker-health.json',
        LOG_LEVEL: 'debug',
        KEY_ENCRYPTION_KEY: KEK,
        KEY_STORE_URL: 'postgres://marac:secret@keys:5432/marac_keys',
        AUDIT_SIGNING_KEY: AUDIT_SEED,
        RETENTION_POLICY_FILE: policyFile('{"reviewAfter": {"amount": 400, "unit": "calendar_days"}}'),
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      keyEncryptionKey: { kind: 'given', text: KEK, source: 'KEY_ENCRYPTION_KEY' },
      keyStoreUrl: 'postgres://marac:secret@keys:5432/marac_keys',
      auditSigningKey: { kind: 'given', text: AUDIT_SEED, source: 'AUDIT_SIGNING_KEY' },
      retentionPolicy: { reviewAfter: { amount: 400, unit: 'calendar_days' } },
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/marac',
      redisUrl: 'redis://redis:6379',
      eventStoreConnectionString: 'esdb://eventstore:2113?tls=false',
      workerInProcess: false,
      workerNice: 0,
      workerHealthFile: '/srv/app/run/worker-health.json',
      logLevel: 'debug',
    });
  });

  it('reads when to sign audit tree heads, and refuses what is not a count', () => {
    expect(loadConfig({ AUDIT_TREE_HEAD_EVENTS: '50', AUDIT_TREE_HEAD_SECONDS: '5' }).auditTreeHeadPolicy).toEqual({
      maxUnsignedEvents: 50,
      maxUnsignedSeconds: 5,
    });
    for (const bad of [
      { AUDIT_TREE_HEAD_EVENTS: '0' },
      { AUDIT_TREE_HEAD_SECONDS: '1.5' },
      { AUDIT_TREE_HEAD_EVENTS: 'x' },
    ]) {
      expect(() => loadConfig(bad)).toThrow(/AUDIT_TREE_HEAD_/);
    }
  });

  it('verifies tokens with the configured secret', () => {
    expect(loadConfig({ JWT_SECRET: 's'.repeat(40) }).tokenKey).toEqual({ kind: 'secret', secret: 's'.repeat(40) });
  });

  it('reads what a token must claim: issuer, audience and the longest lifetime as a duration', () => {
    expect(
      loadConfig({
        JWT_ISSUER: 'https://idp.example.test/realms/marac',
        JWT_AUDIENCE: 'marac-api',
        JWT_MAX_LIFETIME: '90m',
      }).tokenClaims,
    ).toEqual({ issuer: 'https://idp.example.test/realms/marac', audience: 'marac-api', maxLifetimeSeconds: 5400 });
    expect(loadConfig({ JWT_MAX_LIFETIME: '3600s' }).tokenClaims.maxLifetimeSeconds).toBe(3600);
    expect(loadConfig({ JWT_MAX_LIFETIME: '7d' }).tokenClaims.maxLifetimeSeconds).toBe(7 * 86_400);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a port number .*"eighty"/],
    [{ PORT: '70000' }, /PORT must be a port number/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ EVENTSTORE_CONNECTION_STRING: 'http://x' }, /EVENTSTORE_CONNECTION_STRING must be an esdb:\/\//],
    [{ WORKER_IN_PROCESS: 'yes' }, /WORKER_IN_PROCESS must be true or false/],
    [{ WORKER_NICE: '20' }, /WORKER_NICE must be a whole number from 0 to 19/],
    [{ WORKER_NICE: '-5' }, /WORKER_NICE must be a whole number from 0 to 19/],
    [{ REBUILD_THREAD_HEAP_MB: '32' }, /REBUILD_THREAD_HEAP_MB must be a whole number of megabytes from 64/],
    [{ REBUILD_THREAD_HEAP_MB: '1.5' }, /REBUILD_THREAD_HEAP_MB must be a whole number of megabytes from 64/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
    [{ JWT_PUBLIC_KEY: 'not a key' }, /JWT_PUBLIC_KEY must be a PEM public key/],
    [{ JWT_SECRET: 'x'.repeat(32), JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }, /alternatives: set one/],
    [{ JWT_ISSUER: 'two issuers' }, /JWT_ISSUER must be one issuer identifier without spaces/],
    [{ JWT_AUDIENCE: 'a b' }, /JWT_AUDIENCE must be one audience identifier without spaces/],
    [{ JWT_MAX_LIFETIME: '12' }, /JWT_MAX_LIFETIME must be a duration such as 12h.*"12"/],
    [{ JWT_MAX_LIFETIME: '0h' }, /JWT_MAX_LIFETIME must be a duration/],
    [{ JWT_MAX_LIFETIME: '1.5h' }, /JWT_MAX_LIFETIME must be a duration/],
    [{ JWT_MAX_LIFETIME: '100y' }, /JWT_MAX_LIFETIME must be a duration/],
    [{ JWT_MAX_LIFETIME: '8d' }, /JWT_MAX_LIFETIME must be at most 7d, got "8d"/],
    [{ DEADLINE_SECONDS_PER_DAY: '0' }, /DEADLINE_SECONDS_PER_DAY must be more than 0/],
    [{ DEADLINE_SECONDS_PER_DAY: '-1' }, /DEADLINE_SECONDS_PER_DAY must be a positive number/],
    [{ DEADLINE_POLICY_FILE: '/nonexistent/policy.json' }, /cannot be read as JSON/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigurationError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the deadline policy from DEADLINE_POLICY_FILE: given lengths replace the defaults, the rest stay', () => {
    const file = policyFile('{"recoveryPeriod": {"amount": 30, "unit": "calendar_days"}, "timeOfDay": "10:30"}');
    expect(loadConfig({ DEADLINE_POLICY_FILE: file }).deadlinePolicy).toEqual({
      ...defaultDeadlinePolicy,
      recoveryPeriod: { amount: 30, unit: 'calendar_days' },
      timeOfDay: '10:30',
    });
  });

  it('turns every length into seconds with DEADLINE_SECONDS_PER_DAY (after the file)', () => {
    const file = policyFile('{"recoveryPeriod": {"amount": 30, "unit": "calendar_days"}}');
    const policy = loadConfig({ DEADLINE_POLICY_FILE: file, DEADLINE_SECONDS_PER_DAY: '0.5' }).deadlinePolicy;
    expect(policy.recoveryPeriod).toEqual({ amount: 15, unit: 'seconds' });
    expect(policy.followUps).toEqual([
      { amount: 15, unit: 'seconds' },
      { amount: 45, unit: 'seconds' },
      { amount: 90, unit: 'seconds' },
    ]);
  });

  it('refuses a policy file with unknown fields, bad units or lengths, naming each', () => {
    const file = policyFile(
      '{"recoveryPeriodd": {"amount": 1, "unit": "calendar_days"}, "consentDecision": {"amount": 2, "unit": "fortnights"},' +
        ' "followUps": [{"amount": -1, "unit": "hours"}], "referralDecision": {"amount": 1.5, "unit": "working_days"}, "timeOfDay": "9am"}',
    );
    try {
      loadConfig({ DEADLINE_POLICY_FILE: file });
      throw new Error('expected a ConfigurationError');
    } catch (error) {
      const { problems } = error as ConfigurationError;
      expect(problems).toHaveLength(5);
      expect(problems.join('\n')).toMatch(/unknown deadline policy field "recoveryPeriodd"/);
      expect(problems.join('\n')).toMatch(/consentDecision.unit must be one of/);
      expect(problems.join('\n')).toMatch(/followUps\[0\].amount must be a number of at least 0/);
      expect(problems.join('\n')).toMatch(/referralDecision.amount must be a whole number of days/);
      expect(problems.join('\n')).toMatch(/timeOfDay must be HH:MM/);
    }
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigurationError');
    } catch (error) {
      expect((error as ConfigurationError).problems).toHaveLength(2);
    }
  });
});
