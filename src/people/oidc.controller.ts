import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { setSessionCookie } from '../auth/session-cookie';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OidcClient } from './oidc.client';
import { PeopleService } from './people.service';

const FLOW_COOKIE = 'palinsesto_oidc';
const FLOW_PATH = '/v1/auth/oidc';

/**
 * Single sign-on by OpenID Connect (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET): the
 * page links to `start`, the provider sends the browser back to `callback`, which signs in
 * and redirects to the page. Register `<PUBLIC_URL>/v1/auth/oidc/callback` at the provider.
 */
@ApiTags('auth')
@Controller('v1/auth/oidc')
export class OidcController {
  constructor(
    private readonly oidc: OidcClient,
    private readonly people: PeopleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Whether single sign-on is on, and the label of its button' })
  describe() {
    return { enabled: this.oidc.enabled, label: this.oidc.enabled ? this.oidc.label : null };
  }

  @Public()
  @Get('start')
  @ApiOperation({ summary: 'Starts a sign-in at the provider (302 to its authorization page)' })
  async start(@Req() req: Request, @Res() res: Response): Promise<void> {
    const { url, flow } = await this.oidc.start(this.callbackUrl(req));
    res.cookie(FLOW_COOKIE, this.oidc.seal(flow), {
      httpOnly: true,
      sameSite: 'lax', // the provider's redirect back is a top-level GET: Lax sends it
      path: FLOW_PATH,
      secure: this.config.publicUrl?.startsWith('https://') ?? false,
      maxAge: 10 * 60_000,
    });
    res.redirect(302, url);
  }

  @Public()
  @Get('callback')
  @ApiOperation({ summary: "The provider's redirect back: signs in (Set-Cookie) and redirects to the page" })
  async callback(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const flow = this.oidc.open(readCookie(req, FLOW_COOKIE));
    res.clearCookie(FLOW_COOKIE, { path: FLOW_PATH });
    const identity = await this.oidc.finish(this.callbackUrl(req), query, flow);
    const { sessionToken } = await this.people.signInByOidc(identity, req.ip);
    setSessionCookie(res, sessionToken, this.config);
    res.redirect(302, `${this.base(req)}/`);
  }

  private base(req: Request): string {
    return this.config.publicUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  }

  private callbackUrl(req: Request): string {
    return `${this.base(req)}${FLOW_PATH}/callback`;
  }
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
