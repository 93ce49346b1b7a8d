import { Injectable } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import { Metrics } from '../operations/metrics';
import { MediaRepository } from './media.repository';

/** The media library's Prometheus series, on the application's shared registry. */
@Injectable()
export class MediaMetrics {
  readonly upload: Histogram<'kind' | 'outcome'>;
  readonly processing: Histogram<'kind'>;
  readonly stored: Gauge;

  constructor(metrics: Metrics, repository: MediaRepository) {
    const registers = [metrics.registry];
    this.upload = new Histogram({
      name: 'palinsesto_media_upload_duration_seconds',
      help: 'Uploads and imports into the media library, from the first byte to the answer, by kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.processing = new Histogram({
      name: 'palinsesto_media_processing_duration_seconds',
      help: 'Reading and re-encoding a received file (images: strip, rotate, thumbnail; video: probe), by kind',
      labelNames: ['kind'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.stored = new Gauge({
      name: 'palinsesto_media_stored_bytes',
      help: 'Bytes of the media library (originals as stored), read from PostgreSQL at each scrape',
      registers,
      async collect() {
        this.set(await repository.totalBytes());
      },
    });
  }
}
