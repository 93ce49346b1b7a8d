import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ALERTS_OPTIONS } from '../../src/alerts/alerts.options';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { FixedClock } from '../../src/common/clock';
import { CONNECTION_CHECK_OPTIONS } from '../../src/connect/connection-check.service';
import { METRICS_OPTIONS } from '../../src/metrics/metrics.options';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestDatabase } from './test-database';

export const TEST_SECRET_KEY = 'f'.repeat(64);

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  clock: FixedClock;
  db: DataSource;
  url: string;
  close(): Promise<void>;
}

/**
 * The whole application on its own fresh database, with a clock the test moves.
 * Background jobs are off: the gap scan's timers (ALERTS_OPTIONS `schedule: false`), the
 * daily connection check (CONNECTION_CHECK_OPTIONS `schedule: false`), the metrics
 * collector and its sweep (METRICS_OPTIONS `schedule: false`: a test calls drain()) and
 * the dispatcher's tick, parked at an hour (a test may set `dispatchIntervalMs`).
 */
export async function createTestApp(opts: { config?: Partial<AppConfig>; now?: string } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const clock = new FixedClock(new Date(opts.now ?? '2027-01-04T08:00:00Z'));
  const app = await startApp(database.url, clock, opts.config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    http: request(app.getHttpServer()),
    clock,
    db: app.get(DataSource),
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/**
 * Another instance of the application on `first`'s database (its own caches and
 * listeners), sharing its clock, with the same background jobs off; `config` adds settings.
 * Closing it leaves the database to `first`.
 */
export async function createSecondInstance(first: TestApp, config: Partial<AppConfig> = {}): Promise<TestApp> {
  const app = await startApp((first.db.options as { url: string }).url, first.clock, config);
  return {
    app,
    http: request(app.getHttpServer()),
    clock: first.clock,
    db: first.db,
    url: '',
    close: () => app.close(),
  };
}

async function startApp(
  databaseUrl: string,
  clock: FixedClock,
  extra: Partial<AppConfig> = {},
): Promise<NestExpressApplication> {
  // The dispatcher's tick is an hour: tests that publish call tick() or turn it on.
  const config = {
    ...loadConfig({ LOG_LEVEL: 'error', EGRESS_ALLOW: '127.0.0.0/8,::1/128', LINK_CARDS: 'off' }),
    dispatchIntervalMs: 3_600_000,
    databaseUrl,
    secretKey: TEST_SECRET_KEY,
    ...extra,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config: config as AppConfig & { databaseUrl: string; secretKey: string }, clock })],
  })
    .overrideProvider(ALERTS_OPTIONS)
    .useValue({ schedule: false })
    .overrideProvider(CONNECTION_CHECK_OPTIONS)
    .useValue({ schedule: false })
    .overrideProvider(METRICS_OPTIONS)
    .useValue({ schedule: false })
    .compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] }));
  await app.init();
  return app;
}
