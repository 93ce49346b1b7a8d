import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CredentialsCipher } from '../channels/credentials.cipher';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyStore } from './idempotency.store';

/** `Idempotency-Key` for the creates marked @Idempotent() (common/idempotent.decorator.ts). */
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
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class IdempotencyModule {}
