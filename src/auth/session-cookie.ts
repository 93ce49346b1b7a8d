import type { Request, Response } from 'express';
import type { AppConfig } from '../config/app-config';

/** The session cookie's name. */
export const SESSION_COOKIE = 'palinsesto_session';

/** The session id in the request's Cookie header, or undefined. */
export function readSessionCookie(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Sets the session cookie: HttpOnly (no script reads it), SameSite=Lax (no other site's
 * form or fetch sends it on a write), Path=/, Secure when PUBLIC_URL is https, and a
 * Max-Age of the absolute timeout (the server ends the session at either timeout anyway).
 */
export function setSessionCookie(res: Response, token: string, config: AppConfig): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: secureCookies(config),
    maxAge: config.sessionAbsoluteMinutes * 60_000,
  });
}

export function clearSessionCookie(res: Response, config: AppConfig): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: secureCookies(config) });
}

function secureCookies(config: AppConfig): boolean {
  return config.publicUrl?.startsWith('https://') ?? false;
}

/**
 * The CSRF rule of cookie-authenticated writes: the request's Origin (or, when a browser
 * sends none, its Referer) must be the service's own: PUBLIC_URL's origin, or the request's
 * own (its protocol and Host) when PUBLIC_URL is unset. With SameSite=Lax cookies that is
 * the whole defence, no token. A request with neither header is refused: every browser
 * sends one of them on a cross-site write it lets through.
 */
export function sameOrigin(req: Request, config: AppConfig): boolean {
  const own = config.publicUrl ? originOf(config.publicUrl) : `${req.protocol}://${req.headers.host ?? ''}`;
  const origin = req.headers.origin;
  if (origin !== undefined) return origin === own;
  const referer = req.headers.referer;
  if (referer !== undefined) return originOf(referer) === own;
  return false;
}

/** Whether the request says it comes from a page of another site (Origin or Referer present and foreign). */
export function foreignBrowserOrigin(req: Request, config: AppConfig): boolean {
  if (req.headers.origin === undefined && req.headers.referer === undefined) return false;
  return !sameOrigin(req, config);
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
