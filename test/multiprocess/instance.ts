/**
 * One application instance for the multi-process test: the real AppModule (HTTP server,
 * dispatcher, real clock) on DATABASE_URL, with publishing options from
 * PALINSESTO_TEST_PUBLISHING (JSON) and the adapters' HTTP timeout from
 * PALINSESTO_TEST_HTTP_TIMEOUT_MS (default 10 000). Prints `READY <port>` once listening; SIGTERM closes it
 * gracefully, like src/main.ts.
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { loadConfig } from '../../src/config/app-config';
import { Clock } from '../../src/common/clock';
import { EgressGuard } from '../../src/egress/egress-guard';
import { PublishHttpClient } from '../../src/publishing/adapters/http-client';
import { PUBLISHING_OPTIONS } from '../../src/publishing/publishing.options';

async function main(): Promise<void> {
  const config = loadConfig({ EGRESS_ALLOW: '127.0.0.0/8,::1/128', LINK_CARDS: 'off', ...process.env }); // the stand-ins are on loopback
  const options = JSON.parse(process.env.PALINSESTO_TEST_PUBLISHING ?? '{}') as Record<string, unknown>;
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({ config: { ...config, databaseUrl: config.databaseUrl!, secretKey: config.secretKey! } }),
    ],
  })
    .overrideProvider(PUBLISHING_OPTIONS)
    .useValue(options)
    .overrideProvider(PublishHttpClient)
    .useFactory({
      factory: (c: Clock, g: EgressGuard) =>
        new PublishHttpClient({ timeoutMs: Number(process.env.PALINSESTO_TEST_HTTP_TIMEOUT_MS ?? 10_000) }, c, g),
      inject: [Clock, EgressGuard],
    })
    .compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] }));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`READY ${port}\n`);
  process.on('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
