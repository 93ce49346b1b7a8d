import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { CredentialThrottle } from '../throttle/credential-throttle';
import { Actor, ActorResolver, hasRole, type KeyHolderActor, type Role, type SignedInUser } from './actor';
import { hashApiKey, looksLikeApiKey } from './api-key';
import { MIN_ROLE, PUBLIC_ROUTE, USER_ROUTE } from './auth.decorators';
import { clearSessionCookie, readSessionCookie, SAFE_METHODS, sameOrigin } from './session-cookie';

type AuthRequest = Request & { actor?: Actor; user?: SignedInUser };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Authenticates every request, one of two ways:
 * - `Authorization: Bearer <api key>`: a member's script key or a personal access token,
 *   resolved to its member, workspace and role (a read-only token is refused on writes). A
 *   wrong key counts against the client address (CredentialThrottle): past the limit the
 *   answer is 429 with Retry-After instead of 401. A right key costs nothing more.
 * - the session cookie: the signed-in user, and their member in the workspace the request
 *   names (`:wid`, else `X-Workspace-Id`, else their oldest); checked against the sessions
 *   table on every request (through a cache every instance keeps current), so a session
 *   ended anywhere is refused everywhere. A cookie-authenticated write must come from the
 *   service's own origin (CSRF rule, session-cookie.ts), else 403.
 * Every route needs one unless marked @Public(); @UserRoute() needs a user but no
 * workspace; @Roles() sets the least role.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly actors: ActorResolver,
    private readonly throttle: CredentialThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<AuthRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers.authorization;
    const cookie = readSessionCookie(req);
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) {
      // A public write may act for a signed-in user (accepting an invitation): by cookie, same rule.
      if (cookie !== undefined && header === undefined && !SAFE_METHODS.has(req.method)) {
        const signedIn = await this.actors.bySession(cookie, undefined);
        if (signedIn) {
          this.checkOrigin(req);
          req.user = signedIn.user;
        }
      }
      return true;
    }
    const userRoute = this.reflector.getAllAndOverride<boolean>(USER_ROUTE, targets) ?? false;
    if (header !== undefined || cookie === undefined) await this.byApiKey(req, res, header ?? '');
    else await this.bySession(req, res, cookie, userRoute);
    const actor = req.actor;
    if (!actor) return true; // a user route, for a user without a workspace
    if (actor.readOnly && !SAFE_METHODS.has(req.method)) {
      throw new DomainError(ErrorCode.Forbidden, 'This token is read-only; writes need a token that is not.');
    }
    const atLeast = this.reflector.getAllAndOverride<Role | undefined>(MIN_ROLE, targets);
    if (atLeast && !hasRole(actor, atLeast)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        actor.via === 'session'
          ? `This action needs the ${atLeast} role; you have the ${actor.role} role in this workspace.`
          : `This action needs the ${atLeast} role; your key has the ${actor.role} role.`,
      );
    }
    return true;
  }

  private async byApiKey(req: AuthRequest, res: Response, header: string): Promise<void> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new DomainError(
        ErrorCode.Unauthenticated,
        'Send your api key as "Authorization: Bearer <api key>", or sign in (POST /v1/auth/sign-in).',
      );
    }
    const key = match[1];
    const member = looksLikeApiKey(key) ? await this.actors.memberByKeyHash(hashApiKey(key)) : null;
    if (!member) {
      const refusal = await this.throttle.refusal('api_key', req.ip, res);
      throw refusal ?? new DomainError(ErrorCode.Unauthenticated, 'This api key is unknown or has been revoked.');
    }
    req.actor = actorOf(member, 'api_key');
    if (member.userId) req.user = { userId: member.userId, name: member.name, email: member.email };
  }

  private async bySession(req: AuthRequest, res: Response, cookie: string, userRoute: boolean): Promise<void> {
    const signedIn = await this.actors.bySession(cookie, this.workspaceAskedFor(req));
    if (!signedIn) {
      clearSessionCookie(res, this.config);
      throw new DomainError(ErrorCode.Unauthenticated, 'Your session has ended; sign in again.');
    }
    this.checkOrigin(req);
    req.user = signedIn.user;
    if (signedIn.member) req.actor = actorOf(signedIn.member, 'session');
    else if (!userRoute)
      throw new DomainError(
        ErrorCode.Forbidden,
        'You are not a member of any workspace; ask a lead for an invitation.',
      );
  }

  private checkOrigin(req: Request): void {
    if (!SAFE_METHODS.has(req.method) && !sameOrigin(req, this.config)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        "A signed-in change must come from this service's own pages (its Origin or Referer); use an api key for scripts.",
      );
    }
  }

  private workspaceAskedFor(req: Request): string | undefined {
    const param = (req.params as Record<string, string | undefined> | undefined)?.wid;
    if (param !== undefined && UUID.test(param)) return param.toLowerCase();
    const header = req.headers['x-workspace-id'];
    return typeof header === 'string' && UUID.test(header) ? header.toLowerCase() : undefined;
  }
}

function actorOf(member: KeyHolderActor, via: 'api_key' | 'session'): Actor {
  return {
    memberId: member.id,
    workspaceId: member.workspaceId,
    role: member.role,
    name: member.name,
    userId: member.userId,
    via,
    readOnly: member.readOnly,
  };
}
