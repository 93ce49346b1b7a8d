import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, type SignedInUser } from '../auth/actor';
import { Public, UserRoute } from '../auth/auth.decorators';
import { clearSessionCookie, foreignBrowserOrigin, readSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { EmailDto, LinkTokenDto, PasswordResetDto, SignInDto, SignUpDto } from './dto/people.dto';
import { OidcClient } from './oidc.client';
import { PeopleService } from './people.service';

type UserRequest = Request & { user?: SignedInUser };

/**
 * Sign-up, sign-in and out, email verification, password reset. The session id travels
 * only in the cookie (HttpOnly, SameSite=Lax), never in a body. A browser posting these
 * from another site's page (a foreign Origin or Referer) is refused: no one can sign a
 * visitor in to an account of theirs.
 */
@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly people: PeopleService,
    private readonly oidc: OidcClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('providers')
  @ApiOperation({
    summary:
      "What the sign-in page offers: sign-up ('open', 'token' when SIGNUP_TOKEN is set, 'closed') and single sign-on",
  })
  providers() {
    const signUp = this.config.signup === 'closed' ? 'closed' : this.config.signupToken ? 'token' : 'open';
    return { signUp, oidc: { enabled: this.oidc.enabled, label: this.oidc.enabled ? this.oidc.label : null } };
  }

  @Public()
  @Post('sign-up')
  @ApiOperation({ summary: 'A new account and its workspace, with the user as lead; signs in (Set-Cookie)' })
  async signUp(
    @Body() dto: SignUpDto,
    @Headers('authorization') authorization: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    this.refuseForeignPage(req);
    const { body, sessionToken } = await this.people.signUp(dto, authorization, req.ip);
    setSessionCookie(res, sessionToken, this.config);
    return body;
  }

  @Public()
  @Post('sign-in')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in by email and password (Set-Cookie); 401 for an unknown email or a wrong password alike',
  })
  async signIn(@Body() dto: SignInDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    this.refuseForeignPage(req);
    const { body, sessionToken } = await this.people.signIn(dto, req.ip);
    setSessionCookie(res, sessionToken, this.config);
    return body;
  }

  @Public()
  @Post('sign-out')
  @HttpCode(204)
  @ApiCookieAuth('palinsesto_session')
  @ApiOperation({ summary: 'End this session (clears the cookie)' })
  async signOut(@Req() req: UserRequest, @Res({ passthrough: true }) res: Response): Promise<void> {
    this.refuseForeignPage(req);
    await this.people.signOut(readSessionCookie(req), req.user);
    clearSessionCookie(res, this.config);
  }

  @UserRoute()
  @Post('sign-out-everywhere')
  @ApiCookieAuth('palinsesto_session')
  @ApiOperation({ summary: 'End every session of your account, on every device' })
  async signOutEverywhere(@CurrentUser() user: SignedInUser, @Res({ passthrough: true }) res: Response) {
    const result = await this.people.signOutEverywhere(user);
    if (user.sessionId) clearSessionCookie(res, this.config);
    return result;
  }

  @UserRoute()
  @Post('verify-email/send')
  @HttpCode(202)
  @ApiOperation({ summary: 'Email (again) the link that verifies your address' })
  async sendVerification(@CurrentUser() user: SignedInUser, @Req() req: Request) {
    await this.people.resendVerification(user, req.ip);
    return { message: 'If your address is not verified yet, a link is on its way.' };
  }

  @Public()
  @Post('verify-email')
  @HttpCode(204)
  @ApiOperation({ summary: "Verify an address by the emailed link's token (once)" })
  async verifyEmail(@Body() dto: LinkTokenDto, @Req() req: Request): Promise<void> {
    this.refuseForeignPage(req);
    await this.people.verifyEmail(dto.token, req.ip);
  }

  @Public()
  @Post('password-reset')
  @HttpCode(202)
  @ApiOperation({ summary: 'Email a password reset link; the same answer whether the email has an account or not' })
  async requestReset(@Body() dto: EmailDto, @Req() req: Request) {
    this.refuseForeignPage(req);
    await this.people.requestPasswordReset(dto.email, req.ip);
    return { message: 'If this email has an account, a link to choose a new password is on its way.' };
  }

  @Public()
  @Post('password-reset/confirm')
  @HttpCode(204)
  @ApiOperation({ summary: "Set a new password by the emailed link's token (once); ends every session" })
  async confirmReset(@Body() dto: PasswordResetDto, @Req() req: Request): Promise<void> {
    this.refuseForeignPage(req);
    await this.people.resetPassword(dto.token, dto.password, req.ip);
  }

  private refuseForeignPage(req: Request): void {
    if (foreignBrowserOrigin(req, this.config))
      throw new DomainError(ErrorCode.Forbidden, "This request must come from this service's own pages.");
  }
}
