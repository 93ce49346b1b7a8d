import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createValidationPipe } from './common/validation';
import { serveWebAssets } from './web/web-assets';

export const BODY_LIMIT = '256kb';

/** PostgreSQL text cannot hold U+0000: refuse it at the door with a 400, not a 500 later. */
function refuseNul(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new SyntaxError('Text in the request must not contain the NUL character (\\u0000).');
  }
  return value;
}

/** Everything about the HTTP surface that main.ts and the tests share. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useBodyParser('json', { limit: BODY_LIMIT, reviver: refuseNul });
  app.useGlobalPipes(createValidationPipe());
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  serveWebAssets(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Palinsesto API')
      .setDescription('Editorial calendar and publishing scheduler for social media teams. Contract: version 1.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Your api key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
