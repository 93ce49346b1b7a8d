import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigError, loadConfig } from './config/app-config';
import { readOrCreateSecret, startEmbeddedPostgres, EmbeddedDatabase } from './database/embedded-postgres';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const levels = (['error', 'warn', 'log', 'debug', 'verbose'] as const).slice(
    0,
    ['error', 'warn', 'log', 'debug', 'verbose'].indexOf(config.logLevel) + 1,
  );
  const logger = new ConsoleLogger('Palinsesto', { json: config.logFormat === 'json', logLevels: [...levels] });
  Logger.overrideLogger(logger);

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  let secretKey = config.secretKey;
  if (!databaseUrl) {
    try {
      embedded = await startEmbeddedPostgres(config.dataDir);
    } catch (error) {
      logger.error((error as Error).message);
      process.exit(1);
    }
    databaseUrl = embedded.url;
    secretKey ??= readOrCreateSecret(config.dataDir, 'secret.key', () => randomBytes(32).toString('hex'));
  }

  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config: { ...config, databaseUrl, secretKey: secretKey! } }),
      { logger, bufferLogs: false },
    );
    configureApp(app);
    await app.listen(config.port);
  } catch (error) {
    logger.error(`Palinsesto did not start: ${(error as Error).message}`);
    await embedded?.stop();
    process.exit(1);
  }
  logger.log(`Palinsesto listens on http://localhost:${config.port} (API docs at /docs)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping (finishing in-flight work first)`);
    // A Ctrl-C in a terminal reaches the embedded PostgreSQL too: it is not restarted now.
    embedded?.release();
    try {
      await app.close();
    } finally {
      await embedded?.stop();
      process.exit(0);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));
}

void bootstrap();
