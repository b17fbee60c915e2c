import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { CaseNotFound, NotPermitted, PathwayRuleBroken } from '@app/case-domain';
import {
  ConcurrencyConflict,
  IdempotencyKeyReused,
  PreconditionFailed,
  type CommandResult,
} from '@app/command-handling';
import {
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type EventStore,
} from '@app/event-store';
import { QUEUE_BOARD_ROUTE } from '../admin/queue-board-auth';

/** What became of a command: its label on `marac_commands_total`. */
export type CommandOutcome =
  | 'written'
  | 'unchanged'
  | 'replayed'
  | 'refused'
  | 'forbidden'
  | 'not_found'
  | 'precondition_failed'
  | 'conflict'
  | 'error';

/** Paths served outside Nest's router (no route template of their own), each counted under its prefix. */
const UNROUTED_PREFIXES = [QUEUE_BOARD_ROUTE, '/docs'];

/**
 * The api's Prometheus registry and the metrics it records as requests and commands happen. Labels
 * are route templates (`/cases/:caseId`), command types, outcomes and status codes: never a raw path,
 * id or anything a person wrote. Gauges computed at scrape are in `scrape-gauges.ts`.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'marac_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status, from the request to the last byte sent',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly commands = new Counter({
    name: 'marac_commands_total',
    help: 'Commands by type and outcome (written, unchanged, replayed, refused by a domain rule, forbidden, not_found, precondition_failed, conflict, error)',
    labelNames: ['command', 'outcome'],
    registers: [this.registry],
  });

  private readonly commandDuration = new Histogram({
    name: 'marac_command_duration_seconds',
    help: 'Commands by type: read, fold, decide and append, including waiting behind earlier commands on the same stream',
    labelNames: ['command'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly appendDuration = new Histogram({
    name: 'marac_event_store_append_duration_seconds',
    help: "Appends of a command's events, by aggregate (case, marac_meeting) and outcome (written, conflict, error): sealing personal fields, writing and waiting until durable",
    labelNames: ['aggregate', 'outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'marac_' });
  }

  /** Express middleware: times every request, the refused and the unknown too, by its route template. */
  readonly observeHttp = (request: Request, response: Response, next: NextFunction): void => {
    const stop = this.httpDuration.startTimer();
    response.once('finish', () =>
      stop({ method: request.method, route: routeTemplateOf(request), status: String(response.statusCode) }),
    );
    next();
  };

  /** Runs a command, counting it by type and outcome and timing it. */
  async countCommand(type: string, run: () => Promise<CommandResult>): Promise<CommandResult> {
    const stop = this.commandDuration.startTimer({ command: type });
    let outcome: CommandOutcome = 'error';
    try {
      const result = await run();
      outcome = result.replayed ? 'replayed' : result.eventTypes.length > 0 ? 'written' : 'unchanged';
      return result;
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      stop();
      this.commands.inc({ command: type, outcome });
    }
  }

  /** `store` with every append timed under `aggregate` on `marac_event_store_append_duration_seconds`. */
  timingAppends(store: EventStore, aggregate: 'case' | 'marac_meeting'): EventStore {
    const histogram = this.appendDuration;
    const timed: EventStore = {
      description: store.description,
      async append(stream: string, events: readonly EventData[], options?: AppendOptions): Promise<AppendResult> {
        const stop = histogram.startTimer({ aggregate });
        let outcome = 'error';
        try {
          const result = await store.append(stream, events, options);
          outcome = 'written';
          return result;
        } catch (error) {
          if (error instanceof WrongExpectedVersionError) outcome = 'conflict';
          throw error;
        } finally {
          stop({ outcome });
        }
      },
      readStream: (stream, options) => store.readStream(stream, options),
      readAll: (options) => store.readAll(options),
      readAllByStream: (options) => store.readAllByStream(options),
      subscribeToAll: (options) => store.subscribeToAll(options),
      ping: () => store.ping(),
      close: () => store.close(),
    };
    return timed;
  }
}

/** The route a request matched, as declared (`/cases/:caseId`), never the path it named. */
export function routeTemplateOf(request: Request): string {
  const declared = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof declared === 'string') return declared;
  const path = request.originalUrl.split('?')[0]!;
  return UNROUTED_PREFIXES.find((prefix) => path === prefix || path.startsWith(`${prefix}/`)) ?? 'unmatched';
}

function outcomeOf(error: unknown): CommandOutcome {
  if (error instanceof PathwayRuleBroken || error instanceof IdempotencyKeyReused) return 'refused';
  if (error instanceof NotPermitted) return 'forbidden';
  if (error instanceof CaseNotFound) return 'not_found';
  if (error instanceof PreconditionFailed) return 'precondition_failed';
  if (error instanceof ConcurrencyConflict) return 'conflict';
  return 'error';
}
