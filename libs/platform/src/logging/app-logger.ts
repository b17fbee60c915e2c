import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import pino, { type Logger as Pino } from 'pino';
import { LOG_LEVELS, type AppConfig, type LogLevel } from '../config/app-config';

/** Nest's levels as pino's: `log` is pino's `info`, `verbose` its `trace`. */
const PINO_LEVEL: Record<LogLevel, pino.Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Nest's start-up chatter (a line per module and per route) is for someone debugging the wiring:
 * at `debug`, so the banner and what the service does are what a log at `log` shows.
 */
const WIRING_CONTEXTS: ReadonlySet<string> = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * The service's log: one JSON object per line (pino: `level`, `time`, `context`, `msg`, and the
 * fields a structured entry adds), for a collector to parse; or Nest's coloured text, for a person
 * at a terminal (`LOG_FORMAT`). Messages never carry personal data: they are written by this code
 * about what it does, and requests are logged by route template, status and actor, never by body
 * or query (`logRequests`).
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(level: LogLevel, destination: pino.DestinationStream = pino.destination({ fd: 1, sync: true })) {
    this.pino = pino(
      {
        level: PINO_LEVEL[level],
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    );
  }

  /** Whether an entry at this level is written (so a caller can skip building one). */
  isEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(PINO_LEVEL[level]);
  }

  /** A structured entry: `fields` beside `msg`. */
  entry(level: LogLevel, msg: string, fields: Record<string, unknown>): void {
    this.pino[PINO_LEVEL[level]](fields, msg);
  }

  /** Written whatever the level: the start banner, for the person who started the service. */
  announce(msg: string, fields: Record<string, unknown> = {}): void {
    this.pino.child({}, { level: 'info' }).info(fields, msg);
  }

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    this.write(context !== undefined && WIRING_CONTEXTS.has(context) ? 'debug' : 'log', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes (message, stack, context) for errors.
    const context = contextOf(rest);
    const stack = rest.length >= 2 && typeof rest[0] === 'string' ? rest[0] : undefined;
    this.write('error', message, context, stack === undefined ? {} : { stack });
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, contextOf(rest));
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, contextOf(rest));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, contextOf(rest));
  }

  private write(level: LogLevel, message: unknown, context: string | undefined, extra: Record<string, unknown> = {}) {
    if (!this.isEnabled(level)) return;
    const fields = { ...(context === undefined ? {} : { context }), ...extra };
    if (message instanceof Error) this.entry(level, message.message, { ...fields, stack: message.stack });
    else if (message && typeof message === 'object') {
      const { msg, ...rest } = message as { msg?: unknown };
      this.entry(level, typeof msg === 'string' ? msg : '', { ...fields, ...rest });
    } else this.entry(level, String(message), fields);
  }
}

/** The trailing string Nest gives a logger call as its context. */
const contextOf = (rest: readonly unknown[]): string | undefined => {
  const last = rest.at(-1);
  return typeof last === 'string' ? last : undefined;
};

/** The logger a Nest app of this service is created with (`NestFactory.create(..., { logger })`). */
export function appLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>): LoggerService {
  if (config.logFormat === 'json') return new JsonLogger(config.logLevel);
  const text = new ConsoleLogger();
  text.setLogLevels(LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1));
  return text;
}
