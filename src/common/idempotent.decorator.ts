import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Observable } from 'rxjs';

/**
 * What `Idempotency-Key` needs on a route, stated here so that controllers import no
 * feature folder for it; the idempotency module (src/idempotency/) provides it.
 */
export abstract class IdempotencyHandler {
  abstract intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>>;
}

/** The interceptor of @Idempotent() routes: hands over to the IdempotencyHandler. */
@Injectable()
export class IdempotentRoute implements NestInterceptor {
  constructor(private readonly handler: IdempotencyHandler) {}

  intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    return this.handler.intercept(context, next);
  }
}

/**
 * A create that honours `Idempotency-Key`: a repeat with the same key and body within 24
 * hours answers the first answer and creates nothing. For routes with an api key only
 * (keys are the caller's). Only these routes carry the interceptor: the others pay nothing.
 */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotentRoute),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique text (e.g. a UUID), up to 255 printable characters. A repeat with the same key and body within 24 h answers the first answer (header Idempotent-Replayed: true) and creates nothing; the same key with another request: 422; while the first still runs: 409 with Retry-After.',
    }),
  );
