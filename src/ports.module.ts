import { Global, Module } from '@nestjs/common';
import { DigestReports } from './alerts/digest-reports';
import { KpiStreaks } from './alerts/kpi-missed.alerts';
import { LinksModule } from './links/links.module';
import { LinksService } from './links/links.service';
import { MetricsModule } from './metrics/metrics.module';
import { MetricsService } from './metrics/metrics.service';
import { PostClickCounts } from './metrics/post-click-counts';
import { SlotEngagement } from './posts/slot-engagement';
import { ReportsModule } from './reports/reports.module';
import { ReportsService } from './reports/reports.service';

/** The reports, reading metrics and links through their own ports (report-sources.ts). */
export const ReportsWithSources = ReportsModule.forRoot({
  imports: [MetricsModule, LinksModule],
  engagement: MetricsService,
  clicks: LinksService,
});

/**
 * Where a lower module asks a higher one, the lower declares an abstract class (a port) and
 * takes it `@Optional()`; this module, part of the composition root, says who answers each,
 * for the whole application (global, so the lower module imports nothing of the higher):
 *
 * - posts' SlotEngagement (next-slot?prefer=engagement) and alerts' KpiStreaks (kpi_missed)
 *   and DigestReports (the weekly digest's results): the reports (ReportsService);
 * - metrics' PostClickCounts (each snapshot's clicks): the tracked links (LinksService).
 */
@Global()
@Module({
  imports: [ReportsWithSources, LinksModule],
  providers: [
    { provide: SlotEngagement, useExisting: ReportsService },
    { provide: KpiStreaks, useExisting: ReportsService },
    { provide: DigestReports, useExisting: ReportsService },
    { provide: PostClickCounts, useExisting: LinksService },
  ],
  exports: [SlotEngagement, KpiStreaks, DigestReports, PostClickCounts],
})
export class PortsModule {}
