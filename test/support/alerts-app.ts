import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AlertDeliveryWorker } from '../../src/alerts/alert-delivery.worker';
import { ALERTS_OPTIONS, type AlertsOptions } from '../../src/alerts/alerts.options';
import { GapDetectorJob } from '../../src/alerts/gap-detector.job';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { FixedClock } from '../../src/common/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { METRICS_OPTIONS } from '../../src/metrics/metrics.options';
import { PublishDispatcher } from '../../src/publishing/publish.dispatcher';
import { TEST_SECRET_KEY, type TestApp } from './test-app';
import { createTestDatabase } from './test-database';

export interface AlertsTestApp extends TestApp {
  detector: GapDetectorJob;
  worker: AlertDeliveryWorker;
  dispatcher: PublishDispatcher;
  databaseUrl: string;
  /** scan() then deliver(), as one timer tick does. */
  tick(): Promise<void>;
}

/**
 * The whole application with alert knobs: ALERTS_OPTIONS, a FixedClock (the test calls
 * scan() and deliver(); the timers are off unless `options.schedule` is true), the dispatcher's
 * timer parked (an hour), and optionally an existing database (`databaseUrl`): a second
 * instance over the same data, which close() leaves in place.
 */
export async function createAlertsApp(
  opts: {
    config?: Partial<AppConfig>;
    now?: string;
    clock?: FixedClock;
    options?: Partial<AlertsOptions>;
    databaseUrl?: string;
  } = {},
): Promise<AlertsTestApp> {
  const database = opts.databaseUrl
    ? { url: opts.databaseUrl, drop: async () => undefined }
    : await createTestDatabase();
  const clock = opts.clock ?? new FixedClock(new Date(opts.now ?? '2027-01-04T08:00:00Z'));
  const config = {
    ...loadConfig({ LOG_LEVEL: 'error', EGRESS_ALLOW: '127.0.0.0/8,::1/128', LINK_CARDS: 'off' }),
    dispatchIntervalMs: 3_600_000,
    databaseUrl: database.url,
    secretKey: TEST_SECRET_KEY,
    ...opts.config,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config: config as AppConfig & { databaseUrl: string; secretKey: string }, clock })],
  })
    .overrideProvider(ALERTS_OPTIONS)
    .useValue({ sendTimeoutMs: 3_000, schedule: false, ...opts.options })
    // The metrics collector's timers too: these tests drive the alerts, not the collection.
    .overrideProvider(METRICS_OPTIONS)
    .useValue({ schedule: false })
    .compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] }));
  await app.init();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const detector = app.get(GapDetectorJob);
  const worker = app.get(AlertDeliveryWorker);
  return {
    app,
    http: request(app.getHttpServer()),
    clock,
    db: app.get(DataSource),
    url: `http://127.0.0.1:${address.port}`,
    detector,
    worker,
    dispatcher: app.get(PublishDispatcher),
    databaseUrl: database.url,
    async tick() {
      await detector.scan();
      await worker.deliver();
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
