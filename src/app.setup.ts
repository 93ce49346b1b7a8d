import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createValidationPipe } from './common/validation';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { serveWebAssets } from './web/web-assets';

export const BODY_LIMIT = '256kb';

/** Media types of the bodies the API reads; anything else with a body is a 415. */
const JSON_TYPES = ['application/json', 'application/*+json'];
/** The routes that take multipart/form-data (streamed by their controller, never by a body parser). */
const MULTIPART_ROUTES = [/^\/v1\/workspaces\/[^/]+\/media\/?$/];

/** Well-formed UTF-16: no lone surrogate (ES2024's String.prototype.isWellFormed, in Node 20). */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Text PostgreSQL cannot hold, refused at the door with a 400 rather than a 500 later:
 * U+0000 (text columns refuse it) and lone surrogates such as "\ud800" (JSON columns refuse
 * them; text columns would silently store U+FFFD). Property names count too: some objects
 * (a mix's limits, credentials) are stored as they come.
 */
function refuseUnstorableText(key: string, value: unknown): unknown {
  if (!isWellFormed(key))
    throw new SyntaxError('Text in the request must be well-formed Unicode (a lone surrogate such as \\ud800 is not).');
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      throw new SyntaxError('Text in the request must not contain the NUL character (\\u0000).');
    if (!isWellFormed(value))
      throw new SyntaxError(
        'Text in the request must be well-formed Unicode (a lone surrogate such as \\ud800 is not).',
      );
  }
  return value;
}

/**
 * A request that carries a body must say it is JSON: the parsers ignore other media types,
 * so a text/plain body would otherwise reach the handler as an empty one and its fields be
 * silently dropped (a schedule without its scheduledAt). Requests without a body (most
 * actions, GET, DELETE) are not concerned.
 */
function requireJsonBodies(req: Request, _res: Response, next: NextFunction): void {
  if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return next();
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody || req.is(JSON_TYPES)) return next();
  if (req.method === 'POST' && req.is('multipart/form-data') && MULTIPART_ROUTES.some((r) => r.test(req.path)))
    return next();
  const given = req.headers['content-type'];
  next(
    new UnsupportedMediaTypeException(
      given
        ? `The request body must be JSON (Content-Type: application/json), not ${given.slice(0, 100)}.`
        : 'The request body must be JSON: send Content-Type: application/json.',
    ),
  );
}

/** Routes whose body is signed (inbound webhooks): their exact bytes are kept as `rawBody` to check the signature. */
const SIGNED_BODY_ROUTES = /^\/v1\/hooks\//;

function keepSignedBodies(req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  if (SIGNED_BODY_ROUTES.test(req.url ?? '')) (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
}

/** The API documentation page: no other site may frame it (clickjacking). */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/**
 * Headers of every answer. `nosniff`, so no browser reads a JSON answer as a script or a page.
 * Caching: an answer that sets its own Cache-Control keeps it (the page, its assets, the
 * calendars, the iCal feeds); one with a validator (ETag) and none is revalidated on each
 * use (`private, no-cache`); every other one is `no-store`, so no cache (a browser's disk,
 * a proxy) keeps API answers that may hold a tenant's plan or a secret shown once.
 * Decided when the headers go out, after the handler or the problem filter set theirs.
 */
function responseHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.path === '/docs' || req.path.startsWith('/docs/')) res.setHeader('Content-Security-Policy', DOCS_CSP);
  const writeHead = res.writeHead as (...args: unknown[]) => ServerResponse;
  res.writeHead = function (this: Response, ...args: unknown[]) {
    if (!this.hasHeader('cache-control'))
      this.setHeader('Cache-Control', this.hasHeader('etag') ? 'private, no-cache' : 'no-store');
    return writeHead.apply(this, args);
  } as Response['writeHead'];
  next();
}

/** Everything about the HTTP surface that main.ts and the tests share. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<AppConfig>(APP_CONFIG);
  // The client address (req.ip) that throttling counts by: the socket's peer unless
  // TRUST_PROXY names the proxies whose X-Forwarded-For may be believed.
  app.set('trust proxy', config.trustProxy);
  app.use(responseHeaders);
  app.use(requireJsonBodies);
  app.useBodyParser('json', {
    limit: BODY_LIMIT,
    type: JSON_TYPES,
    reviver: refuseUnstorableText,
    verify: keepSignedBodies,
  });
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
