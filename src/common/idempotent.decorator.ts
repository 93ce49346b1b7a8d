import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

export const IDEMPOTENT_ROUTE = 'palinsesto:idempotent';

/**
 * A create that honours `Idempotency-Key` (src/idempotency/): a repeat with the same key
 * and body within 24 hours answers the first answer and creates nothing. For routes with
 * an api key only (keys are the caller's).
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_ROUTE, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique text (e.g. a UUID), up to 255 printable characters. A repeat with the same key and body within 24 h answers the first answer (header Idempotent-Replayed: true) and creates nothing; the same key with another request: 422; while the first still runs: 409 with Retry-After.',
    }),
  );
