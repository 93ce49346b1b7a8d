import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Role } from '../workspaces/member.entity';

/** The authenticated caller: one member of one workspace, with that member's role. */
export interface Actor {
  memberId: string;
  workspaceId: string;
  role: Role;
  name: string;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, lead: 2 };

export function hasRole(actor: Actor, atLeast: Role): boolean {
  return RANK[actor.role] >= RANK[atLeast];
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<{ actor?: Actor }>();
  if (!req.actor) throw new Error('CurrentActor used on a public route');
  return req.actor;
});
