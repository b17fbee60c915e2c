import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CaseNotFound, NotPermitted, PathwayRuleBroken } from '@app/case-domain';
import { SealedFieldUnreadable, SubjectErased } from '@app/personal-data';
import { PersonalDataNotSealed } from '../cases/personal-data-eraser';
import { ConcurrencyConflict, IdempotencyKeyReused, PreconditionFailed } from '@app/command-handling';
import { ReadModelBehind, ReadModelNotBuilt } from '@app/read-models';
import { BodyTooDeep, FieldValidationFailed } from './validation';

/** An RFC 9457 problem: the body of every error response. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://marac-case-management.example/problems/';

/**
 * Maps every error to `application/problem+json`, in one place: validation 400 (with the failing
 * fields), auth 401/403, unknown resource 404, concurrency 409, `If-Match` 412, a domain rule
 * 422 (with the rule's name). Anything unexpected is a 500 that says nothing of its cause to the
 * client and is logged in full.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.respond(error, http.getRequest<Request>(), http.getResponse<Response>());
  }

  /**
   * Answers with the problem for `error`: also for Express middleware, which Nest's filters do not
   * cover (it may name the `instance` itself, to leave a secret out of the address it shows).
   */
  respond(error: unknown, request: Request, response: Response, instance = request.originalUrl): void {
    const problem = { ...this.toProblem(error), instance };
    if (problem.status >= 500 && !(error instanceof ReadModelBehind))
      this.logger.error(
        `${request.method} ${request.originalUrl}`,
        error instanceof Error ? error.stack : String(error),
      );
    if (error instanceof ReadModelBehind) response.setHeader('Retry-After', '1');
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(error: unknown): ProblemDetails {
    if (error instanceof FieldValidationFailed) {
      return problem('validation-failed', 'The request is not valid', 400, 'See errors for each failing field.', {
        errors: error.errors,
      });
    }
    if (error instanceof BodyTooDeep) {
      return problem('body-too-deep', 'The request body is nested too deeply', 400, error.message);
    }
    if (error instanceof NotPermitted) {
      return problem('forbidden', 'Forbidden', 403, error.message);
    }
    if (error instanceof CaseNotFound) {
      return problem('not-found', 'Not found', 404, error.message);
    }
    if (error instanceof PathwayRuleBroken) {
      return problem(error.rule, 'A domain rule refuses this command', 422, error.message, { rule: error.rule });
    }
    if (error instanceof IdempotencyKeyReused) {
      return problem(error.rule, 'This Idempotency-Key was used for another command', 422, error.message, {
        rule: error.rule,
      });
    }
    if (error instanceof PreconditionFailed) {
      return problem('precondition-failed', 'The case changed since you read it', 412, error.message, {
        currentRevision: String(error.actual),
      });
    }
    if (error instanceof ReadModelNotBuilt) {
      // A subclass of ReadModelBehind: Retry-After is set, and it is not logged as a fault.
      return problem('read-model-not-built', 'A read model is being rebuilt from the start', 503, error.message, {
        readModel: error.notBuilt.projection,
      });
    }
    if (error instanceof ReadModelBehind) {
      return problem('read-model-behind', 'The read models have not caught up yet', 503, error.message);
    }
    if (error instanceof ConcurrencyConflict) {
      return problem('concurrency-conflict', 'The case kept changing; try again', 409, error.message);
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      const detail = Array.isArray(message)
        ? message.join('; ')
        : typeof message === 'string'
          ? message
          : error.message;
      return problem(slug(HttpStatus[status] ?? 'error'), titleOf(status), status, detail);
    }
    if (error instanceof SubjectErased) {
      // A meeting's text about a person whose data was erased: nothing personal is kept for them again.
      return problem('personal-data-erased', 'A domain rule refuses this command', 422, error.message, {
        rule: 'personal-data-erased',
      });
    }
    if (error instanceof PersonalDataNotSealed) {
      return problem('personal-data-not-sealed', 'This case’s personal data is not sealed yet', 409, error.message);
    }
    if (error instanceof SealedFieldUnreadable) {
      // Names the event and field (never the data): an operator restores or investigates that event.
      return problem('personal-data-unreadable', 'A personal field could not be opened', 500, error.message, {
        eventId: error.event.eventId,
        stream: error.event.stream,
        field: error.path,
      });
    }
    if (isBodyParserError(error)) {
      return problem('malformed-body', 'The request body could not be read', error.status, error.message);
    }
    return problem('internal-error', 'Internal Server Error', 500, 'The error was logged.');
  }
}

function problem(
  kind: string,
  title: string,
  status: number,
  detail?: string,
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  return { type: `${PROBLEM_BASE}${kind}`, title, status, ...(detail ? { detail } : {}), ...extensions };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/_/g, '-');
}

function titleOf(status: number): string {
  const name = HttpStatus[status] ?? 'Error';
  return name.charAt(0) + name.slice(1).toLowerCase().replace(/_/g, ' ');
}

function isBodyParserError(error: unknown): error is { status: number; message: string } {
  const candidate = error as { status?: unknown; type?: unknown } | null;
  return (
    typeof candidate?.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500 &&
    typeof candidate.type === 'string'
  );
}
