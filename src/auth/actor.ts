import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** A member's role in a workspace: lead > editor > viewer. */
export type Role = 'lead' | 'editor' | 'viewer';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'lead'];

/**
 * The authenticated caller: one member of one workspace, with that member's role. By api
 * key, the key's member; by session cookie, the signed-in user's member in the workspace
 * the request names (its `:wid`, else its `X-Workspace-Id` header, else the user's oldest
 * membership).
 */
export interface Actor {
  memberId: string;
  workspaceId: string;
  role: Role;
  name: string;
  /** The member's account (null only for a member not yet linked to one). */
  userId?: string | null;
  /** How the request authenticated. */
  via?: 'api_key' | 'session';
  /** A read-only personal access token: refused on writes. */
  readOnly?: boolean;
}

/** The signed-in user of a request (by session cookie, or the account of the api key's member). */
export interface SignedInUser {
  userId: string;
  name: string;
  email: string;
  /** Set when the request came with a session cookie. */
  sessionId?: string;
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

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): SignedInUser => {
  const req = ctx.switchToHttp().getRequest<{ user?: SignedInUser }>();
  if (!req.user) throw new Error('CurrentUser used on a route without a user');
  return req.user;
});

/** The member holding an api key (a member's script key or a personal access token). */
export interface KeyHolderActor {
  id: string;
  workspaceId: string;
  role: Role;
  name: string;
  email: string;
  userId: string | null;
  readOnly: boolean;
}

/**
 * Finds the member holding an api key, by the key's hash, and the signed-in user of a
 * session cookie with their member in the workspace asked for. The auth layer states what
 * it needs; the workspaces module, which owns members, provides it.
 */
export abstract class ActorResolver {
  abstract memberByKeyHash(hash: string): Promise<KeyHolderActor | null>;
  /**
   * The session of a cookie's id and its user's member in `workspaceId` (when given and a
   * member there), else in the user's oldest workspace; member null: the user belongs to
   * no workspace. Null: no live session.
   */
  abstract bySession(
    sessionToken: string,
    workspaceId: string | undefined,
  ): Promise<{ user: SignedInUser; member: KeyHolderActor | null } | null>;
}
