import { Module } from '@nestjs/common';
import { EgressGuard } from './egress-guard';

/**
 * The egress guard (see egress-guard.ts): imported by every module that calls an address a
 * tenant gave. Nest keeps one instance per application, so one connection pool.
 * A ground folder: imports config and common only.
 */
@Module({
  providers: [EgressGuard],
  exports: [EgressGuard],
})
export class EgressModule {}
