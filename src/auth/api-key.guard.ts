import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DomainError, ErrorCode } from '../common/domain-error';
import { CredentialThrottle } from '../throttle/credential-throttle';
import { Actor, ActorResolver, hasRole, type Role } from './actor';
import { hashApiKey, looksLikeApiKey } from './api-key';
import { MIN_ROLE, PUBLIC_ROUTE } from './auth.decorators';

/**
 * Resolves `Authorization: Bearer <api key>` to a member and its workspace and role.
 * Every route needs a key unless marked @Public(); @Roles() sets the least role.
 * A wrong key counts against the client address (CredentialThrottle): past the limit the
 * answer is 429 with Retry-After instead of 401. A right key costs nothing more.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly actors: ActorResolver,
    private readonly throttle: CredentialThrottle,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { actor?: Actor }>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new DomainError(ErrorCode.Unauthenticated, 'Send your api key as "Authorization: Bearer <api key>".');
    }
    const key = match[1];
    const member = looksLikeApiKey(key) ? await this.actors.memberByKeyHash(hashApiKey(key)) : null;
    if (!member) {
      const refusal = await this.throttle.refusal('api_key', req.ip, context.switchToHttp().getResponse<Response>());
      throw refusal ?? new DomainError(ErrorCode.Unauthenticated, 'This api key is unknown or has been revoked.');
    }
    req.actor = { memberId: member.id, workspaceId: member.workspaceId, role: member.role, name: member.name };
    const atLeast = this.reflector.getAllAndOverride<Role | undefined>(MIN_ROLE, targets);
    if (atLeast && !hasRole(req.actor, atLeast)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        `This action needs the ${atLeast} role; your key has the ${member.role} role.`,
      );
    }
    return true;
  }
}
