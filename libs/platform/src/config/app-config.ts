import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { readFileSync } from 'node:fs';
import { defaultDeadlinePolicy, type DeadlinePolicy, type RetentionPolicy } from '@app/case-domain';
import { loadDeadlinePolicy } from './deadline-policy-config';
import { loadRetentionPolicy } from './retention-policy-config';
import { keyEncryptionKeyProblem } from './key-encryption-key-config';
import { auditSigningKeyFrom } from './audit-signing-key';
import { type AuditSigningKeySource, defaultTreeHeadSigningPolicy, type TreeHeadSigningPolicy } from '@app/audit';
import { IsIn, IsOptional, IsPort, IsString, Matches, MinLength, ValidationError, validateSync } from 'class-validator';

/** Everything the apps read from the environment, typed and checked once at start. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute: the embedded event store and the managed Redis keep their files here. */
  readonly dataDir: string;
  /** An external Redis; absent, the app starts and stops its own `redis-server`. */
  readonly redisUrl: string | undefined;
  readonly redisServerBinary: string;
  /** Selects the EventStoreDB adapter; absent, the embedded SQLite store is used. */
  readonly eventStoreConnectionString: string | undefined;
  /** `npm start` runs api and worker in one process; the scale-out api container does not. */
  readonly workerInProcess: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** How bearer tokens are verified: a shared secret (HS256), an issuer's public key, or, with
   * neither set, a development secret generated under DATA_DIR (what `npm run token` signs with). */
  readonly tokenKey:
    | { readonly kind: 'secret'; readonly secret: string }
    | { readonly kind: 'public-key'; readonly publicKey: string }
    | { readonly kind: 'development' };
  /** What a token must claim besides its signature (`JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_MAX_LIFETIME`). */
  readonly tokenClaims: TokenClaimsConfig;
  /** A JSON file of agencies (id, type, firstResponder, dutyToNotify); absent, the built-in set. */
  readonly agenciesFile: string | undefined;
  /** Every Redis key this deployment writes starts with it: several deployments can share a Redis. */
  readonly redisKeyPrefix: string;
  /** How long a query with `?minPosition=` waits for the read models before a 503. */
  readonly readWaitMs: number;
  /**
   * The most heap each replay thread of `npm run projections:rebuild` may hold
   * (`REBUILD_THREAD_HEAP_MB`, its V8 old generation): without a bound the threads let it grow
   * far past what they keep alive before collecting.
   */
  readonly rebuildThreadHeapMb: number;
  /**
   * The nice value of the worker's thread (`WORKER_NICE`, 0-19): where it shares cores with the
   * api, requests go first and the read models catch up when they pause.
   */
  readonly workerNice: number;
  /**
   * Where the worker on its own (`dist/apps/worker/src/main.js`) writes its heartbeat
   * (`WORKER_HEALTH_FILE`), which `health-probe.js` reads: a container's healthcheck. Unset, none.
   */
  readonly workerHealthFile: string | undefined;
  /** The deadline lengths (`DEADLINE_POLICY_FILE`, `DEADLINE_SECONDS_PER_DAY`; else the domain page's). */
  readonly deadlinePolicy: DeadlinePolicy;
  /**
   * The key-encryption key that wraps every person's data key: given (`KEY_ENCRYPTION_KEY`, or
   * `KEY_ENCRYPTION_KEY_FILE`), or for development one generated in DATA_DIR with a new key store.
   */
  readonly keyEncryptionKey:
    { readonly kind: 'given'; readonly text: string; readonly source: string } | { readonly kind: 'development' };
  /** Where the data keys live: unset, the embedded `DATA_DIR/keys.sqlite`; else a PostgreSQL URL. */
  readonly keyStoreUrl: string | undefined;
  /** When a closed (or exited) case is due for an erasure review (`RETENTION_POLICY_FILE`). */
  readonly retentionPolicy: RetentionPolicy;
  /**
   * The Ed25519 key that signs the audit tree heads: given (`AUDIT_SIGNING_KEY`, or
   * `AUDIT_SIGNING_KEY_FILE`), or for development one generated in DATA_DIR.
   */
  readonly auditSigningKey: AuditSigningKeySource;
  /**
   * When the worker signs a new audit tree head: once this many events are unsigned
   * (`AUDIT_TREE_HEAD_EVENTS`, default 1000) or the last head is this old with events since
   * (`AUDIT_TREE_HEAD_SECONDS`, default 60).
   */
  readonly auditTreeHeadPolicy: TreeHeadSigningPolicy;
}

export interface TokenClaimsConfig {
  /** When set, a token's `iss` must be exactly this. */
  readonly issuer: string | undefined;
  /** When set, a token's `aud` must be (or, as a list, contain) this. */
  readonly audience: string | undefined;
  /** The longest a token may live (exp - iat): a bearer token cannot be taken back before it expires. */
  readonly maxLifetimeSeconds: number;
}

/** Units of a duration variable such as JWT_MAX_LIFETIME (`12h`, `90m`, `3600s`, `1d`). */
const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^([1-9]\d{0,6})([smhd])$/;
/** Past this, a leaked token is good for too long to call it a bearer token's lifetime. */
const LONGEST_TOKEN_LIFETIME_SECONDS = 7 * DURATION_UNITS.d;

function durationSeconds(text: string): number {
  const [, amount, unit] = DURATION.exec(text)!;
  return Number(amount) * DURATION_UNITS[unit as keyof typeof DURATION_UNITS];
}

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** One JSON object per line, or Nest's text (the default at a terminal). */
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Raised with every bad variable named, so the app can stop with one clear message. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

class Environment {
  @IsOptional()
  @IsPort({ message: 'PORT must be a port number (1-65535), got "$value"' })
  PORT?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'HOST must not be empty' })
  HOST?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'DATA_DIR must not be empty' })
  DATA_DIR?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL, got "$value"' })
  REDIS_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'REDIS_SERVER_BIN must not be empty' })
  REDIS_SERVER_BIN?: string;

  @IsOptional()
  @Matches(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent|kdb):\/\/[^\s]+$/, {
    message: 'EVENTSTORE_CONNECTION_STRING must be an esdb:// (or kurrentdb://) connection string, got "$value"',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'WORKER_IN_PROCESS must be true or false, got "$value"' })
  WORKER_IN_PROCESS?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "$value"` })
  LOG_LEVEL?: string;

  @IsOptional()
  @IsIn(LOG_FORMATS, { message: `LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got "$value"` })
  LOG_FORMAT?: string;

  @IsOptional()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters long' })
  JWT_SECRET?: string;

  @IsOptional()
  @Matches(/-----BEGIN PUBLIC KEY-----/, {
    message: 'JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)',
  })
  JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @Matches(/^\S{1,500}$/, { message: 'JWT_ISSUER must be one issuer identifier without spaces, got "$value"' })
  JWT_ISSUER?: string;

  @IsOptional()
  @Matches(/^\S{1,500}$/, { message: 'JWT_AUDIENCE must be one audience identifier without spaces, got "$value"' })
  JWT_AUDIENCE?: string;

  @IsOptional()
  @Matches(DURATION, {
    message: 'JWT_MAX_LIFETIME must be a duration such as 12h, 90m, 3600s or 1d, got "$value"',
  })
  JWT_MAX_LIFETIME?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'AGENCIES_FILE must not be empty' })
  AGENCIES_FILE?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,40}$/, {
    message: 'REDIS_KEY_PREFIX must be 1-40 letters, digits, _ . or -, got "$value"',
  })
  REDIS_KEY_PREFIX?: string;

  @IsOptional()
  @Matches(/^\d{1,6}$/, { message: 'READ_WAIT_MS must be a whole number of milliseconds, got "$value"' })
  READ_WAIT_MS?: string;

  @IsOptional()
  @Matches(/^(6[4-9]|[7-9]\d|[1-9]\d{2,4})$/, {
    message: 'REBUILD_THREAD_HEAP_MB must be a whole number of megabytes from 64, got "$value"',
  })
  REBUILD_THREAD_HEAP_MB?: string;

  @IsOptional()
  @Matches(/^(1?\d)$/, { message: 'WORKER_NICE must be a whole number from 0 to 19, got "$value"' })
  WORKER_NICE?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'WORKER_HEALTH_FILE must not be empty' })
  WORKER_HEALTH_FILE?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'DEADLINE_POLICY_FILE must not be empty' })
  DEADLINE_POLICY_FILE?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'KEY_ENCRYPTION_KEY must not be empty' })
  KEY_ENCRYPTION_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'KEY_ENCRYPTION_KEY_FILE must not be empty' })
  KEY_ENCRYPTION_KEY_FILE?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'AUDIT_SIGNING_KEY must not be empty' })
  AUDIT_SIGNING_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'AUDIT_SIGNING_KEY_FILE must not be empty' })
  AUDIT_SIGNING_KEY_FILE?: string;

  @IsOptional()
  @Matches(/^[1-9]\d{0,6}$/, { message: 'AUDIT_TREE_HEAD_EVENTS must be a whole number from 1, got "$value"' })
  AUDIT_TREE_HEAD_EVENTS?: string;

  @IsOptional()
  @Matches(/^[1-9]\d{0,5}$/, {
    message: 'AUDIT_TREE_HEAD_SECONDS must be a whole number of seconds from 1, got "$value"',
  })
  AUDIT_TREE_HEAD_SECONDS?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'KEY_STORE_URL must be a postgres:// URL' })
  KEY_STORE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'RETENTION_POLICY_FILE must not be empty' })
  RETENTION_POLICY_FILE?: string;

  @IsOptional()
  @Matches(/^(\d+(\.\d+)?|\.\d+)$/, {
    message: 'DEADLINE_SECONDS_PER_DAY must be a positive number of seconds, got "$value"',
  })
  @Matches(/[1-9]/, { message: 'DEADLINE_SECONDS_PER_DAY must be more than 0, got "$value"' })
  DEADLINE_SECONDS_PER_DAY?: string;
}

const KNOWN = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'REDIS_URL',
  'REDIS_SERVER_BIN',
  'EVENTSTORE_CONNECTION_STRING',
  'WORKER_IN_PROCESS',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'JWT_SECRET',
  'JWT_PUBLIC_KEY',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_MAX_LIFETIME',
  'AGENCIES_FILE',
  'REDIS_KEY_PREFIX',
  'READ_WAIT_MS',
  'REBUILD_THREAD_HEAP_MB',
  'WORKER_NICE',
  'WORKER_HEALTH_FILE',
  'DEADLINE_POLICY_FILE',
  'DEADLINE_SECONDS_PER_DAY',
  'KEY_ENCRYPTION_KEY',
  'KEY_ENCRYPTION_KEY_FILE',
  'KEY_STORE_URL',
  'RETENTION_POLICY_FILE',
  'AUDIT_SIGNING_KEY',
  'AUDIT_SIGNING_KEY_FILE',
  'AUDIT_TREE_HEAD_EVENTS',
  'AUDIT_TREE_HEAD_SECONDS',
] as const;

/**
 * Reads and checks the configuration. Empty variables count as unset, so `PORT= npm start`
 * means the default rather than an error.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const raw: Record<string, string> = {};
  for (const name of KNOWN) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const parsed = plainToInstance(Environment, raw);
  const errors = validateSync(parsed, { forbidUnknownValues: true });
  if (parsed.JWT_SECRET && parsed.JWT_PUBLIC_KEY) {
    errors.push(
      Object.assign(new ValidationError(), {
        property: 'JWT_SECRET',
        constraints: { exclusive: 'JWT_SECRET and JWT_PUBLIC_KEY are alternatives: set one' },
      }),
    );
  }
  const jwtMaxLifetime = parsed.JWT_MAX_LIFETIME ?? '12h';
  if (DURATION.test(jwtMaxLifetime) && durationSeconds(jwtMaxLifetime) > LONGEST_TOKEN_LIFETIME_SECONDS) {
    errors.push(
      Object.assign(new ValidationError(), {
        property: 'JWT_MAX_LIFETIME',
        constraints: { max: `JWT_MAX_LIFETIME must be at most 7d, got "${jwtMaxLifetime}"` },
      }),
    );
  }
  const problems = errors.flatMap((error) => Object.values(error.constraints ?? {}));
  const deadlinePolicy =
    problems.length > 0
      ? defaultDeadlinePolicy
      : loadDeadlinePolicy(
          parsed.DEADLINE_POLICY_FILE ? resolve(cwd, parsed.DEADLINE_POLICY_FILE) : undefined,
          parsed.DEADLINE_SECONDS_PER_DAY === undefined ? undefined : Number(parsed.DEADLINE_SECONDS_PER_DAY),
        );
  if (Array.isArray(deadlinePolicy)) problems.push(...deadlinePolicy);
  const keyEncryptionKey = keyEncryptionKeyFrom(parsed, cwd, problems);
  const auditSigningKey = auditSigningKeyFrom(parsed, cwd, problems);
  const retentionPolicy = loadRetentionPolicy(
    parsed.RETENTION_POLICY_FILE ? resolve(cwd, parsed.RETENTION_POLICY_FILE) : undefined,
  );
  if (Array.isArray(retentionPolicy)) problems.push(...retentionPolicy);
  if (problems.length > 0 || Array.isArray(deadlinePolicy) || Array.isArray(retentionPolicy)) {
    throw new ConfigurationError(problems);
  }
  return {
    port: Number(parsed.PORT ?? 3000),
    host: parsed.HOST ?? '127.0.0.1',
    dataDir: resolve(cwd, parsed.DATA_DIR ?? 'data'),
    redisUrl: parsed.REDIS_URL,
    redisServerBinary: parsed.REDIS_SERVER_BIN ?? 'redis-server',
    eventStoreConnectionString: parsed.EVENTSTORE_CONNECTION_STRING,
    workerInProcess: (parsed.WORKER_IN_PROCESS ?? 'true') === 'true',
    logLevel: (parsed.LOG_LEVEL ?? 'log') as LogLevel,
    logFormat: (parsed.LOG_FORMAT ?? (process.stdout.isTTY ? 'text' : 'json')) as LogFormat,
    tokenKey: parsed.JWT_SECRET
      ? { kind: 'secret', secret: parsed.JWT_SECRET }
      : parsed.JWT_PUBLIC_KEY
        ? { kind: 'public-key', publicKey: parsed.JWT_PUBLIC_KEY }
        : { kind: 'development' },
    tokenClaims: {
      issuer: parsed.JWT_ISSUER,
      audience: parsed.JWT_AUDIENCE,
      maxLifetimeSeconds: durationSeconds(jwtMaxLifetime),
    },
    agenciesFile: parsed.AGENCIES_FILE ? resolve(cwd, parsed.AGENCIES_FILE) : undefined,
    redisKeyPrefix: parsed.REDIS_KEY_PREFIX ?? 'marac',
    readWaitMs: Number(parsed.READ_WAIT_MS ?? 5_000),
    rebuildThreadHeapMb: Number(parsed.REBUILD_THREAD_HEAP_MB ?? 256),
    workerNice: Number(parsed.WORKER_NICE ?? 5),
    workerHealthFile: parsed.WORKER_HEALTH_FILE ? resolve(cwd, parsed.WORKER_HEALTH_FILE) : undefined,
    deadlinePolicy,
    keyEncryptionKey,
    keyStoreUrl: parsed.KEY_STORE_URL,
    retentionPolicy,
    auditSigningKey,
    auditTreeHeadPolicy: {
      maxUnsignedEvents: Number(parsed.AUDIT_TREE_HEAD_EVENTS ?? defaultTreeHeadSigningPolicy.maxUnsignedEvents),
      maxUnsignedSeconds: Number(parsed.AUDIT_TREE_HEAD_SECONDS ?? defaultTreeHeadSigningPolicy.maxUnsignedSeconds),
    },
  };
}

/**
 * The KEK from `KEY_ENCRYPTION_KEY` or the file `KEY_ENCRYPTION_KEY_FILE` names, checked here so a
 * bad one stops the app at start. Production (EventStoreDB or a PostgreSQL key store) must give
 * one: a development key generated in DATA_DIR there would be lost with the container.
 */
function keyEncryptionKeyFrom(parsed: Environment, cwd: string, problems: string[]): AppConfig['keyEncryptionKey'] {
  if (parsed.KEY_ENCRYPTION_KEY && parsed.KEY_ENCRYPTION_KEY_FILE) {
    problems.push('KEY_ENCRYPTION_KEY and KEY_ENCRYPTION_KEY_FILE are alternatives: set one');
    return { kind: 'development' };
  }
  let given: { text: string; source: string } | undefined;
  if (parsed.KEY_ENCRYPTION_KEY) given = { text: parsed.KEY_ENCRYPTION_KEY, source: 'KEY_ENCRYPTION_KEY' };
  if (parsed.KEY_ENCRYPTION_KEY_FILE) {
    const file = resolve(cwd, parsed.KEY_ENCRYPTION_KEY_FILE);
    try {
      given = { text: readFileSync(file, 'utf8'), source: `KEY_ENCRYPTION_KEY_FILE (${file})` };
    } catch (error) {
      problems.push(
        `KEY_ENCRYPTION_KEY_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
      return { kind: 'development' };
    }
  }
  if (!given) {
    if (parsed.EVENTSTORE_CONNECTION_STRING || parsed.KEY_STORE_URL) {
      problems.push(
        'KEY_ENCRYPTION_KEY (or KEY_ENCRYPTION_KEY_FILE) is required with EVENTSTORE_CONNECTION_STRING or KEY_STORE_URL: ' +
          "a generated development key would be lost with this machine, and every person's data with it",
      );
    }
    return { kind: 'development' };
  }
  const problem = keyEncryptionKeyProblem(given.text);
  if (problem) problems.push(`${given.source}: ${problem}`);
  return { kind: 'given', text: given.text.trim(), source: given.source };
}
