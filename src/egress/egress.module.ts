import { Module } from '@nestjs/common';
import { EGRESS_RESOLVER, EgressGuard, systemResolver } from './egress-guard';

/**
 * The egress guard (see egress-guard.ts): imported by every module that calls an address a
 * tenant gave. Nest keeps one instance per application, so one connection pool. The
 * resolver is a provider of its own (EGRESS_RESOLVER), so that tests can map made-up names.
 * A ground folder: imports config and common only.
 */
@Module({
  providers: [EgressGuard, { provide: EGRESS_RESOLVER, useValue: systemResolver }],
  exports: [EgressGuard],
})
export class EgressModule {}
