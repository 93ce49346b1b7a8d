import { CallHandler, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { from, Observable, of, throwError } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import type { Actor } from '../auth/actor';
import { DomainError } from '../common/domain-error';
import { IdempotencyHandler } from '../common/idempotent.decorator';
import { IdempotencyStore, type StoredAnswer } from './idempotency.store';

/** Headers of the first answer that a repeat carries too. */
const KEPT_HEADERS = ['etag', 'location'];
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

/** JSON with object members in a fixed order, so that a repeat's body fingerprints alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The key as sent; a structured-field string ("...") counts as its content. */
function keyOf(header: string): string {
  const key = /^"(.*)"$/.exec(header)?.[1] ?? header;
  if (!KEY_SHAPE.test(key)) {
    throw DomainError.invalid(
      'Idempotency-Key',
      'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces, e.g. a UUID',
    );
  }
  return key;
}

/**
 * `Idempotency-Key` on the routes marked @Idempotent() (their interceptor hands over to
 * this): keys are scoped by the caller (the api key's member), so one caller never gets
 * another's answer; the fingerprint is the method, the path and the canonical JSON body.
 * Only answers that succeeded are kept.
 */
@Injectable()
export class IdempotencyInterceptor extends IdempotencyHandler {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly store: IdempotencyStore) {
    super();
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request & { actor?: Actor }>();
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers['idempotency-key'];
    if (header === undefined || !req.actor) return next.handle();
    const key = keyOf(Array.isArray(header) ? header.join(', ') : header);
    const scope = `member:${req.actor.memberId}`;
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${canonical(req.body)}`)
      .digest('hex');
    let begun;
    try {
      begun = await this.store.begin(scope, key, fingerprint);
    } catch (error) {
      if (error instanceof DomainError && typeof error.extra.retryAfter === 'number')
        res.setHeader('Retry-After', String(error.extra.retryAfter));
      throw error;
    }
    if (begun.kind === 'replay') {
      const { answer } = begun;
      res.status(answer.status);
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      res.setHeader('Idempotent-Replayed', 'true');
      return of(answer.body);
    }
    const { claim } = begun;
    return next.handle().pipe(
      catchError((error: unknown) =>
        from(
          this.store
            .abandon(claim)
            .catch((e: unknown) => this.logger.warn(`Freeing an idempotency key failed: ${(e as Error).message}`)),
        ).pipe(mergeMap(() => throwError(() => error))),
      ),
      mergeMap(async (body: unknown) => {
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const value = res.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        const answer: StoredAnswer = { status: res.statusCode, headers, body: body ?? null };
        // The create is committed: its answer goes out even if keeping it fails (then the
        // key stays locked for LOCK_MS and a repeat after that runs again).
        await this.store
          .finish(claim, answer)
          .catch((e: unknown) => this.logger.error(`Keeping an idempotent answer failed: ${(e as Error).message}`));
        return body;
      }),
    );
  }
}
