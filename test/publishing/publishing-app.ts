import { EventEmitter2 } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ALERTS_OPTIONS } from '../../src/alerts/alerts.options';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { Clock, FixedClock } from '../../src/common/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { CONNECTION_CHECK_OPTIONS } from '../../src/connect/connection-check.service';
import { METRICS_OPTIONS, type MetricsOptions } from '../../src/metrics/metrics.options';
import { EgressGuard } from '../../src/egress/egress-guard';
import { MockAdapter } from '../../src/publishing/adapters/mock.adapter';
import { PublishHttpClient } from '../../src/publishing/adapters/http-client';
import { PublishDispatcher } from '../../src/publishing/publish.dispatcher';
import { POST_PUBLISH_FAILED, type PostPublishFailedEvent } from '../../src/publishing/publishing.events';
import { PUBLISHING_OPTIONS, type PublishingOptions } from '../../src/publishing/publishing.options';
import { createTestDatabase } from '../support/test-database';
import { TEST_SECRET_KEY, type TestApp } from '../support/test-app';

/** Every `post.publish_failed` event the application emits, as a listener hears it. */
export class RecordingFailureListener {
  readonly events: PostPublishFailedEvent[] = [];
  listenTo(emitter: EventEmitter2): void {
    emitter.on(POST_PUBLISH_FAILED, (event: PostPublishFailedEvent) => void this.events.push(event));
  }
}

export interface PublishingTestApp extends TestApp {
  dispatcher: PublishDispatcher;
  mock: MockAdapter;
  failures: RecordingFailureListener;
  databaseUrl: string;
}

/**
 * The whole application with publishing knobs: dispatcher options, the HTTP timeout of the
 * adapters, a recorder of `post.publish_failed` events, and either a FixedClock (default;
 * the tick interval is an hour so the test drives `dispatcher.drain()`) or the real clock
 * with the default 1 s interval and lease heartbeat. The gap scan's timers are off (ALERTS_OPTIONS).
 */
export async function createPublishingApp(
  opts: {
    options?: Partial<PublishingOptions>;
    config?: Partial<AppConfig>;
    now?: string;
    clock?: Clock;
    httpTimeoutMs?: number;
    databaseUrl?: string;
    /** The metrics collector's options (default: timers off; the test calls its drain()). */
    metrics?: Partial<MetricsOptions>;
  } = {},
): Promise<PublishingTestApp> {
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
  const failures = new RecordingFailureListener();
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config: config as AppConfig & { databaseUrl: string; secretKey: string }, clock })],
  })
    .overrideProvider(PUBLISHING_OPTIONS)
    // On a FixedClock the test drives the heartbeat (dispatcher.renewLeases()) as it drives ticks.
    .useValue({ ...(opts.clock ? {} : { autoRenew: false }), ...opts.options })
    .overrideProvider(ALERTS_OPTIONS)
    .useValue({ schedule: false })
    .overrideProvider(CONNECTION_CHECK_OPTIONS)
    .useValue({ schedule: false })
    .overrideProvider(METRICS_OPTIONS)
    .useValue({ schedule: false, ...opts.metrics })
    .overrideProvider(PublishHttpClient)
    .useFactory({
      factory: (c: Clock, g: EgressGuard) => new PublishHttpClient({ timeoutMs: opts.httpTimeoutMs ?? 2_000 }, c, g),
      inject: [Clock, EgressGuard],
    })
    .compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] }));
  failures.listenTo(app.get(EventEmitter2));
  await app.init();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    http: request(app.getHttpServer()),
    clock: clock as FixedClock,
    db: app.get(DataSource),
    url: `http://127.0.0.1:${address.port}`,
    dispatcher: app.get(PublishDispatcher),
    mock: app.get(MockAdapter),
    failures,
    databaseUrl: database.url,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** Creates a post and schedules it at `at` (the channel must not require approval). */
export async function schedulePost(
  t: TestApp,
  key: string,
  channelId: string,
  at: Date | string,
  body: Record<string, unknown> = {},
) {
  const created = await t.http
    .post(`/v1/channels/${channelId}/posts`)
    .set({ Authorization: `Bearer ${key}` })
    .send({ body: 'Hello from Palinsesto', category: 'informative', ...body })
    .expect(201);
  const scheduled = await t.http
    .post(`/v1/posts/${created.body.id}/schedule`)
    .set({ Authorization: `Bearer ${key}` })
    .send({ scheduledAt: new Date(at).toISOString() });
  if (scheduled.status !== 200)
    throw new Error(`schedule answered ${scheduled.status}: ${JSON.stringify(scheduled.body)}`);
  return scheduled.body as { id: string; status: string; scheduledAt: string; version: number };
}

/** The post as the API shows it, plus the dispatcher's columns. */
export async function postState(t: TestApp, key: string, id: string) {
  const res = await t.http
    .get(`/v1/posts/${id}`)
    .set({ Authorization: `Bearer ${key}` })
    .expect(200);
  const [row] = (await t.db.query(
    'SELECT failure_reason, next_attempt_at, lease_until, attempt_id FROM posts WHERE id = $1',
    [id],
  )) as {
    failure_reason: string | null;
    next_attempt_at: Date | null;
    lease_until: Date | null;
    attempt_id: string | null;
  }[];
  return {
    ...res.body,
    failureReason: row.failure_reason,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    attemptId: row.attempt_id,
  } as {
    status: string;
    externalId: string | null;
    externalUrl: string | null;
    publishedAt: string | null;
    lastError: string | null;
    attempts: number;
    failureReason: string | null;
    nextAttemptAt: Date | null;
  } & Record<string, unknown>;
}
