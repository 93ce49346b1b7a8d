import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** A member's role in a workspace: lead > editor > viewer. */
export type Role = 'lead' | 'editor' | 'viewer';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'lead'];

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

/**
 * Finds the member holding an api key, by the key's hash. The auth layer states what it
 * needs; the workspaces module, which owns members, provides it.
 */
export abstract class ActorResolver {
  abstract memberByKeyHash(hash: string): Promise<{ id: string; workspaceId: string; role: Role; name: string } | null>;
}
