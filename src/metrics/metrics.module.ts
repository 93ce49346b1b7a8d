import { Module } from '@nestjs/common';
import { MetricsRepository } from './metrics.repository';
import { MetricsService } from './metrics.service';

/**
 * Metrics collection (issue 15): snapshots of each published post's counts on its platform.
 * MetricsService is what other modules read (the reports) and record with.
 */
@Module({
  providers: [MetricsRepository, MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
