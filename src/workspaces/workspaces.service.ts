import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import type { UserEntity } from '../accounts/user.entity';
import { Actor, type KeyHolderActor, type SignedInUser } from '../auth/actor';
import { generateApiKey, hashApiKey } from '../auth/api-key';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/domain-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { CHANGE_CHANNELS, ChangeNotifications } from '../database/change-notifications';
import { NotifiedCache } from '../database/notified-cache';
import {
  CategoryCreateDto,
  mapCategory,
  mapMember,
  mapToken,
  mapWorkspace,
  MemberCreateDto,
  WorkspaceCreateDto,
  WorkspaceUpdateDto,
} from './dto/workspace.dto';
import { ApiTokensRepository, type TokenHolder } from './api-tokens.repository';
import { KeyHolder, MembersRepository, type Membership } from './members.repository';
import type { Role } from './member.entity';
import { WorkspaceEntity } from './workspace.entity';
import { WorkspacesRepository } from './workspaces.repository';

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

@Injectable()
export class WorkspacesService {
  /** Key holders by key hash: every authenticated request looks one up. */
  private readonly keyHolders: NotifiedCache<KeyHolder | TokenHolder>;
  /** Signed-in users' members by `user/workspace`: every cookie-authenticated request looks one up. */
  private readonly memberships: NotifiedCache<KeyHolder>;
  /** When this instance last recorded a token's use (a write a minute at most). */
  private readonly tokenUses = new Map<string, number>();

  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly members: MembersRepository,
    private readonly tokens: ApiTokensRepository,
    private readonly accounts: AccountsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    notifications: ChangeNotifications,
  ) {
    this.keyHolders = new NotifiedCache(notifications, {
      channel: CHANGE_CHANNELS.members,
      rowOf: (holder) => holder.id,
      maxEntries: 10_000,
    });
    this.memberships = new NotifiedCache(notifications, {
      channel: CHANGE_CHANNELS.members,
      rowOf: (holder) => holder.id,
      maxEntries: 10_000,
    });
  }

  /** Signup: a workspace, its default categories and its first lead, with the lead's key. */
  async create(dto: WorkspaceCreateDto, authorization: string | undefined) {
    this.assertSignupAllowed(authorization);
    const apiKey = generateApiKey();
    const { workspace, member } = await this.workspaces.transaction(async (m) => {
      const user = await this.accounts.findOrCreateUser(m, dto.lead.email, dto.lead.name);
      return this.createWithLead(
        m,
        { name: dto.name, timezone: dto.timezone },
        user,
        dto.lead.name,
        hashApiKey(apiKey),
      );
    });
    return { workspace: mapWorkspace(workspace), member: mapMember(member), apiKey };
  }

  /**
   * Whether this request may create a workspace: never when SIGNUP=closed; with
   * SIGNUP_TOKEN set, only with `Authorization: Bearer <SIGNUP_TOKEN>`.
   */
  assertSignupAllowed(authorization: string | undefined): void {
    if (this.config.signup === 'closed') {
      throw new DomainError(
        ErrorCode.Forbidden,
        'Sign-up is closed on this server (SIGNUP=closed); ask a lead of a workspace for an invitation.',
      );
    }
    if (
      this.config.signupToken !== undefined &&
      !sameSecret(authorization ?? '', `Bearer ${this.config.signupToken}`)
    ) {
      throw new DomainError(
        ErrorCode.Unauthenticated,
        'Creating a workspace on this server needs "Authorization: Bearer <SIGNUP_TOKEN>".',
      );
    }
  }

  /** A workspace, its default categories and `user` as its first lead, in the caller's transaction. */
  async createWithLead(
    m: EntityManager,
    ws: { name: string; timezone: string },
    user: UserEntity,
    leadName: string,
    apiKeyHash: string | null,
  ) {
    const workspace = await this.workspaces.insertWithDefaults(m, ws);
    const member = await this.members.insert(m, {
      workspaceId: workspace.id,
      name: leadName,
      email: user.email,
      role: 'lead',
      apiKeyHash,
      userId: user.id,
    });
    await this.audit.record(
      { workspaceId: workspace.id, memberId: member.id, userId: user.id },
      { action: 'workspace.create', entityType: 'workspace', entityId: workspace.id },
      m,
    );
    return { workspace, member };
  }

  /**
   * `user` joins the workspace with `role` (an accepted invitation), in the caller's
   * transaction; answers null when the user is an active member there already.
   */
  async addMembership(m: EntityManager, workspaceId: string, user: UserEntity, name: string, role: Role) {
    if (await this.members.emailInUse(m, workspaceId, user.email)) return null;
    return this.members.insert(m, { workspaceId, name, email: user.email, role, apiKeyHash: null, userId: user.id });
  }

  /**
   * A user signing in by single sign-on joins the workspaces that accept their email's
   * domain (settings.ssoDomains), with their ssoRole, where not a member yet.
   */
  async joinByDomain(m: EntityManager, user: UserEntity): Promise<string[]> {
    const domain = user.email.split('@')[1] ?? '';
    const joined: string[] = [];
    for (const ws of await this.workspaces.findBySsoDomain(m, domain)) {
      const member = await this.addMembership(m, ws.id, user, user.name, ws.settings.ssoRole ?? 'viewer');
      if (!member) continue;
      await this.audit.record(
        { workspaceId: ws.id, memberId: member.id, userId: user.id },
        { action: 'member.join_by_domain', entityType: 'member', entityId: member.id, details: { role: member.role } },
        m,
      );
      joined.push(ws.id);
    }
    return joined;
  }

  /** Whether the user may not sign in by password (a workspace of theirs is single sign-on only). */
  ssoOnlyFor(userId: string): Promise<boolean> {
    return this.workspaces.ssoOnlyFor(userId);
  }

  /** Whether `email` is an active member's of the workspace. */
  isMemberEmail(m: EntityManager, workspaceId: string, email: string): Promise<boolean> {
    return this.members.emailInUse(m, workspaceId, email);
  }

  /** The user's active memberships with their workspaces, oldest first (GET /v1/me). */
  membershipsOf(userId: string): Promise<Membership[]> {
    return this.members.listMemberships(userId);
  }

  /** E-mail addresses of the workspace's active leads, oldest first (alert recipients). */
  /** For background jobs (no caller): a workspace by id, or null. */
  byIdForJobs(id: string): Promise<WorkspaceEntity | null> {
    return this.workspaces.findById(id);
  }

  /** For background jobs (no caller): every workspace, a page at a time in id order. */
  pageForJobs(afterId: string | null, limit: number): Promise<WorkspaceEntity[]> {
    return this.workspaces.page(afterId, limit);
  }

  leadEmails(workspaceId: string, m?: EntityManager): Promise<string[]> {
    return this.members.emailsOfRole(workspaceId, 'lead', m);
  }

  /**
   * The active member holding the api key with this hash, or null (the guard's lookup).
   * From memory while the member's row has not changed; a key revoked by any instance
   * before the request arrived is refused (NotifiedCache).
   */
  async memberByKeyHash(hash: string): Promise<KeyHolderActor | null> {
    const holder = await this.keyHolders.get(
      hash,
      async () => (await this.tokens.findHolderByHash(hash)) ?? (await this.members.findActiveByKeyHash(hash)),
    );
    if (holder && 'tokenId' in holder) this.recordTokenUse(holder.tokenId);
    return holder;
  }

  /**
   * The live session of a cookie's id and its user's member in the workspace asked for
   * (else their oldest). Both from caches that every instance keeps current: a session
   * ended or a member removed anywhere is refused here before the next request.
   */
  async bySession(
    sessionToken: string,
    workspaceId: string | undefined,
  ): Promise<{ user: SignedInUser; member: KeyHolderActor | null } | null> {
    const session = await this.accounts.sessionByToken(sessionToken);
    if (!session) return null;
    const member = await this.memberships.get(`${session.userId}/${workspaceId ?? ''}`, async () => {
      const found = await this.members.findMembership(session.userId, workspaceId);
      // Kept only under the key of the workspace it belongs to: a new membership is never hidden.
      return found && (workspaceId === undefined || found.workspaceId === workspaceId) ? found : null;
    });
    const user = { userId: session.userId, name: session.name, email: session.email, sessionId: session.sessionId };
    return { user, member: member ?? (await this.members.findMembership(session.userId, workspaceId)) };
  }

  private recordTokenUse(tokenId: string): void {
    const now = this.clock.now().getTime();
    if (now - (this.tokenUses.get(tokenId) ?? 0) < 60_000) return;
    this.tokenUses.set(tokenId, now);
    if (this.tokenUses.size > 10_000) this.tokenUses.delete(this.tokenUses.keys().next().value as string);
    this.tokens.touch(tokenId, new Date(now)).catch(() => undefined);
  }

  /** A personal access token for the actor's own membership: answers the token once. */
  async createToken(actor: Actor, dto: { name: string; readOnly?: boolean }) {
    // Not by a key: a leaked key must not be able to mint keys that outlive its revocation.
    if (actor.via !== 'session') {
      throw new DomainError(
        ErrorCode.Forbidden,
        'Personal access tokens are made by a signed-in user (session cookie), not by an api key.',
      );
    }
    const token = generateApiKey();
    const saved = await this.workspaces.transaction(async (m) => {
      const saved = await this.tokens.insert(m, {
        memberId: actor.memberId,
        name: dto.name,
        tokenHash: hashApiKey(token),
        readOnly: dto.readOnly ?? false,
        createdAt: this.clock.now(),
      });
      await this.audit.record(
        actor,
        {
          action: 'token.create',
          entityType: 'token',
          entityId: saved.id,
          details: { name: dto.name, readOnly: saved.readOnly },
        },
        m,
      );
      return saved;
    });
    return {
      token: mapToken({ ...saved, workspaceId: actor.workspaceId }),
      secret: token,
    };
  }

  async listTokens(userId: string) {
    return { items: (await this.tokens.listOfUser(userId)).map(mapToken), nextCursor: null };
  }

  async revokeToken(userId: string, tokenId: string): Promise<void> {
    await this.workspaces.transaction(async (m) => {
      const revoked = await this.tokens.revokeOfUser(m, userId, tokenId, this.clock.now());
      if (!revoked) throw DomainError.notFound('Token');
      await this.audit.record(
        { workspaceId: revoked.workspaceId, memberId: revoked.memberId, userId },
        { action: 'token.revoke', entityType: 'token', entityId: tokenId, details: { name: revoked.name } },
        m,
      );
    });
  }

  /** The caller's workspace; another workspace's id answers 404. */
  async get(actor: Actor, workspaceId: string): Promise<WorkspaceEntity> {
    this.assertOwn(actor, workspaceId);
    const ws = await this.workspaces.findById(workspaceId);
    if (!ws) throw DomainError.notFound('Workspace');
    return ws;
  }

  async describe(actor: Actor, workspaceId: string) {
    return mapWorkspace(await this.get(actor, workspaceId));
  }

  async update(actor: Actor, workspaceId: string, dto: WorkspaceUpdateDto) {
    const current = await this.get(actor, workspaceId);
    if (dto.settings?.ssoOnly && !this.config.oidc) {
      throw DomainError.invalid(
        'settings.ssoOnly',
        'Single sign-on is not configured on this server (OIDC_ISSUER): "single sign-on only" would lock everyone out.',
      );
    }
    await this.workspaces.transaction(async (m) => {
      await this.workspaces.update(m, workspaceId, {
        name: dto.name,
        timezone: dto.timezone,
        // Only the settings given: a DTO's absent fields are own properties holding undefined.
        settings: dto.settings
          ? {
              ...current.settings,
              ...Object.fromEntries(Object.entries(dto.settings).filter(([, v]) => v !== undefined)),
            }
          : undefined,
      });
      await this.audit.record(
        actor,
        { action: 'workspace.update', entityType: 'workspace', entityId: workspaceId, details: { ...dto } },
        m,
      );
    });
    return this.describe(actor, workspaceId);
  }

  assertOwn(actor: Actor, workspaceId: string): void {
    if (actor.workspaceId !== workspaceId) throw DomainError.notFound('Workspace');
  }

  async addMember(actor: Actor, workspaceId: string, dto: MemberCreateDto) {
    this.assertOwn(actor, workspaceId);
    const apiKey = generateApiKey();
    const member = await this.workspaces.transaction(async (m) => {
      const user = await this.accounts.findOrCreateUser(m, dto.email, dto.name);
      if (await this.members.emailInUse(m, workspaceId, dto.email)) {
        throw new DomainError(ErrorCode.Conflict, `${dto.email} is already a member of this workspace.`, {
          errors: [{ field: 'email', message: 'is already a member of this workspace' }],
        });
      }
      const member = await this.members.insert(m, {
        workspaceId,
        name: dto.name,
        email: dto.email,
        role: dto.role,
        apiKeyHash: hashApiKey(apiKey),
        userId: user.id,
      });
      await this.audit.record(
        actor,
        { action: 'member.add', entityType: 'member', entityId: member.id, details: { role: dto.role } },
        m,
      );
      return member;
    });
    return { member: mapMember(member), apiKey };
  }

  async listMembers(
    actor: Actor,
    workspaceId: string,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<Page<ReturnType<typeof mapMember>>> {
    this.assertOwn(actor, workspaceId);
    const after = decodeCursor<{ id: string }>(cursor, ['id']);
    const rows = await this.members.listActive(workspaceId, { limit, after: after?.id });
    return toPage(rows, limit, mapMember, (r) => ({ id: r.id }));
  }

  /** Revokes a member's key. The last lead of a workspace cannot be removed. */
  async revokeMember(actor: Actor, workspaceId: string, memberId: string): Promise<void> {
    this.assertOwn(actor, workspaceId);
    await this.workspaces.transaction(async (m) => {
      const leads = await this.members.lockActiveLeads(m, workspaceId);
      const member = await this.members.findInWorkspace(workspaceId, memberId, m);
      if (!member || member.revokedAt) throw DomainError.notFound('Member');
      if (member.role === 'lead' && leads.length <= 1) {
        throw new DomainError(
          ErrorCode.Conflict,
          'This is the last lead of the workspace; add another lead before removing this one.',
        );
      }
      await this.members.revoke(m, memberId, this.clock.now());
      // Their sessions end with their last workspace (every instance drops them at once);
      // with other workspaces left, the session no longer reaches this one.
      if (member.userId && (await this.members.countActiveOfUser(m, member.userId)) === 0)
        await this.accounts.endSessionsOfUser(m, member.userId);
      await this.audit.record(actor, { action: 'member.revoke', entityType: 'member', entityId: memberId }, m);
    });
  }

  /** Changes a member's role. The last lead cannot stop being one. */
  async changeRole(actor: Actor, workspaceId: string, memberId: string, role: Role) {
    this.assertOwn(actor, workspaceId);
    return this.workspaces.transaction(async (m) => {
      const leads = await this.members.lockActiveLeads(m, workspaceId);
      const member = await this.members.findInWorkspace(workspaceId, memberId, m);
      if (!member || member.revokedAt) throw DomainError.notFound('Member');
      if (member.role === 'lead' && role !== 'lead' && leads.length <= 1) {
        throw new DomainError(
          ErrorCode.Conflict,
          'This is the last lead of the workspace; make another member a lead first.',
        );
      }
      await this.members.setRole(m, memberId, role);
      await this.audit.record(
        actor,
        { action: 'member.role', entityType: 'member', entityId: memberId, details: { from: member.role, to: role } },
        m,
      );
      return mapMember({ ...member, role });
    });
  }

  async listCategories(actor: Actor, workspaceId: string) {
    this.assertOwn(actor, workspaceId);
    return { items: (await this.workspaces.listCategories(workspaceId)).map(mapCategory), nextCursor: null };
  }

  async addCategory(actor: Actor, workspaceId: string, dto: CategoryCreateDto) {
    this.assertOwn(actor, workspaceId);
    return this.workspaces.transaction(async (m) => {
      const category = await this.workspaces.insertCategory(m, {
        workspaceId,
        key: dto.key,
        name: dto.name,
        color: dto.color ?? null,
      });
      if (!category) {
        throw new DomainError(ErrorCode.Conflict, `The category ${dto.key} exists already.`, {
          errors: [{ field: 'key', message: 'exists already' }],
        });
      }
      await this.audit.record(
        actor,
        { action: 'category.add', entityType: 'category', entityId: category.id, details: { key: dto.key } },
        m,
      );
      return mapCategory(category);
    });
  }

  /** Whether the workspace has a category with this key (for posts). */
  async categoryExists(workspaceId: string, key: string): Promise<boolean> {
    return (await this.workspaces.findCategory(workspaceId, key)) !== null;
  }

  async settingsOf(workspaceId: string) {
    const ws = await this.workspaces.findById(workspaceId);
    if (!ws) throw DomainError.notFound('Workspace');
    return ws.settings;
  }
}
