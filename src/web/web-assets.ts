import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';

/**
 * The calendar page is built from web/ into dist/web by `npm run build` (scripts/build-web.mjs):
 * index.html plus content-hashed bundles under assets/. Running compiled (dist/src/web) or from
 * sources under jest (src/web), the build is found at <project>/dist/web.
 */
export function webBuildDir(): string {
  const here = __dirname;
  const projectRoot =
    basename(join(here, '..', '..')) === 'dist' ? join(here, '..', '..', '..') : join(here, '..', '..');
  return join(projectRoot, 'dist', 'web');
}

/**
 * The page runs only its own bundles, talks only to its own origin, and never leaks a URL.
 * Images may be `blob:`: media thumbnails are fetched with the page's authentication and
 * shown as object URLs (an <img src> cannot authenticate).
 */
const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function setPageHeaders(res: Response, cache: 'immutable' | 'revalidate'): void {
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader('Cache-Control', cache === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache');
}

/**
 * Serves /assets/* from the build (only that prefix, so API requests never touch the disk).
 * The page itself, `/`, is WebController's.
 */
export function serveWebAssets(app: NestExpressApplication, dir = webBuildDir()): void {
  const assets = join(dir, 'assets');
  if (!existsSync(assets)) return;
  app.useStaticAssets(assets, {
    prefix: '/assets/',
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders: (res) => setPageHeaders(res as Response, 'immutable'),
  });
}

/** index.html of the build, or null when the page was not built. */
export function readIndexHtml(dir = webBuildDir()): Buffer | null {
  const file = join(dir, 'index.html');
  return existsSync(file) ? readFileSync(file) : null;
}
