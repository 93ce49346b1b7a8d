import { Global, Module } from '@nestjs/common';
import { CredentialsCipher } from '../channels/credentials.cipher';
import { IdempotencyHandler } from '../common/idempotent.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyStore } from './idempotency.store';

/**
 * `Idempotency-Key` for the creates marked @Idempotent() (common/idempotent.decorator.ts):
 * global, so that each feature module's @Idempotent() routes find the handler.
 */
@Global()
@Module({
  providers: [
    IdempotencyRepository,
    IdempotencyStore,
    {
      provide: CredentialsCipher,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (!config.secretKey) throw new Error('SECRET_KEY is required');
        return new CredentialsCipher(config.secretKey);
      },
    },
    IdempotencyInterceptor,
    { provide: IdempotencyHandler, useExisting: IdempotencyInterceptor },
  ],
  exports: [IdempotencyHandler],
})
export class IdempotencyModule {}
