import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable } from '../database/database-errors';
import { DomainError, ErrorCode, FieldError } from './domain-error';

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  violations?: unknown[];
  [key: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.Unauthenticated:
      return 401;
    case ErrorCode.InvalidInput:
      return 400;
    case ErrorCode.IllegalTransition:
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.StaleVersion:
      return 412;
    case ErrorCode.RuleViolation:
    case ErrorCode.Unprocessable:
      return 422;
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.TooLarge:
      return 413;
    case ErrorCode.UnsupportedType:
      return 415;
    case ErrorCode.LinkExpired:
      return 410;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}

export function problem(status: number, detail: string, extra: Record<string, unknown> = {}, type?: string): Problem {
  // Extra members never override the standard ones.
  return {
    ...extra,
    type: type ?? (status >= 500 ? 'about:blank' : `https://palinsesto.dev/problems/${status}`),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
  };
}

/** Problem type of a request that failed because PostgreSQL could not be reached or used. */
export const DATABASE_UNAVAILABLE = 'https://palinsesto.dev/problems/database_unavailable';
/** What a 503 asks the client to wait: about the time an embedded PostgreSQL takes to restart. */
const RETRY_AFTER_SECONDS = 5;

/** The one place where errors become HTTP answers (application/problem+json). */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const body = this.toProblem(exception, req);
    if (res.headersSent) return;
    if (body.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (body.status === 429 && typeof body.retryAfter === 'number' && !res.hasHeader('Retry-After'))
      res.setHeader('Retry-After', String(body.retryAfter));
    if (body.status === 503 && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }

  private toProblem(exception: unknown, req: Request): Problem {
    if (exception instanceof DomainError) {
      const status = statusOf(exception.code);
      return problem(
        status,
        exception.message,
        { ...exception.extra },
        `https://palinsesto.dev/problems/${exception.code}`,
      );
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && 'errors' in response) {
        const r = response as { message?: string; errors: FieldError[] };
        return problem(status, r.message ?? 'The request is invalid.', { errors: r.errors });
      }
      return problem(status, this.detailOf(status, exception, req));
    }
    const bodyParserError = exception as { type?: string; status?: number; expose?: boolean };
    if (
      bodyParserError &&
      typeof bodyParserError.status === 'number' &&
      bodyParserError.status < 500 &&
      bodyParserError.expose
    ) {
      // Errors of express's body parser: malformed JSON, a body too large, a bad charset.
      return problem(bodyParserError.status, this.bodyParserDetail(bodyParserError));
    }
    if (isDatabaseUnavailable(exception)) {
      // The database is down, restarting or frozen past DB_TIMEOUT_MS: the client retries.
      // Not logged per request: DatabaseAvailability logs each outage once.
      return problem(
        HttpStatus.SERVICE_UNAVAILABLE,
        'The database cannot be reached right now; retry in a few seconds.',
        {},
        DATABASE_UNAVAILABLE,
      );
    }
    this.logger.error(
      `Unhandled error on ${req.method} ${req.route?.path ?? req.path}: ${(exception as Error)?.stack ?? String(exception)}`,
    );
    return problem(HttpStatus.INTERNAL_SERVER_ERROR, 'An unexpected error occurred; it has been logged.');
  }

  private detailOf(status: number, exception: HttpException, req: Request): string {
    if (status === 404 && exception.message.startsWith('Cannot ')) {
      return `No route ${req.method} ${req.path}.`;
    }
    return exception.message;
  }

  private bodyParserDetail(error: { type?: string; status?: number }): string {
    switch (error.type) {
      case 'entity.parse.failed':
        return 'The request body is not valid JSON.';
      case 'entity.too.large':
        return 'The request body is too large.';
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return 'The request body uses an unsupported encoding.';
      default:
        return 'The request body could not be read.';
    }
  }
}
