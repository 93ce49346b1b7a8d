import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Actor } from '../auth/actor';
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
  mapWorkspace,
  MemberCreateDto,
  WorkspaceCreateDto,
  WorkspaceUpdateDto,
} from './dto/workspace.dto';
import { KeyHolder, MembersRepository } from './members.repository';
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
  private readonly keyHolders: NotifiedCache<KeyHolder>;

  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly members: MembersRepository,
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
  }

  /** Signup: a workspace, its default categories and its first lead, with the lead's key. */
  async create(dto: WorkspaceCreateDto, authorization: string | undefined) {
    if (
      this.config.signupToken !== undefined &&
      !sameSecret(authorization ?? '', `Bearer ${this.config.signupToken}`)
    ) {
      throw new DomainError(
        ErrorCode.Unauthenticated,
        'Creating a workspace on this server needs "Authorization: Bearer <SIGNUP_TOKEN>".',
      );
    }
    const apiKey = generateApiKey();
    const { workspace, member } = await this.workspaces.transaction(async (m) => {
      const workspace = await this.workspaces.insertWithDefaults(m, { name: dto.name, timezone: dto.timezone });
      const member = await this.members.insert(m, {
        workspaceId: workspace.id,
        name: dto.lead.name,
        email: dto.lead.email,
        role: 'lead',
        apiKeyHash: hashApiKey(apiKey),
      });
      await this.audit.record(
        { workspaceId: workspace.id, memberId: member.id },
        { action: 'workspace.create', entityType: 'workspace', entityId: workspace.id },
        m,
      );
      return { workspace, member };
    });
    return { workspace: mapWorkspace(workspace), member: mapMember(member), apiKey };
  }

  /** E-mail addresses of the workspace's active leads, oldest first (alert recipients). */
  leadEmails(workspaceId: string, m?: EntityManager): Promise<string[]> {
    return this.members.emailsOfRole(workspaceId, 'lead', m);
  }

  /**
   * The active member holding the api key with this hash, or null (the guard's lookup).
   * From memory while the member's row has not changed; a key revoked by any instance
   * before the request arrived is refused (NotifiedCache).
   */
  memberByKeyHash(hash: string): Promise<KeyHolder | null> {
    return this.keyHolders.get(hash, () => this.members.findActiveByKeyHash(hash));
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
    await this.workspaces.transaction(async (m) => {
      await this.workspaces.update(m, workspaceId, {
        name: dto.name,
        timezone: dto.timezone,
        settings: dto.settings ? { ...current.settings, ...dto.settings } : undefined,
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
      await this.audit.record(actor, { action: 'member.revoke', entityType: 'member', entityId: memberId }, m);
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
