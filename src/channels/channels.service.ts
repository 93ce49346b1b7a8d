import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/domain-error';
import { assertVersion } from '../common/if-match';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../common/pagination';
import { AfterCommitEvents } from '../database/after-commit-events';
import { EgressGuard } from '../egress/egress-guard';
import { EgressRefusedError } from '../egress/egress-refused.error';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { ChannelEntity, DEFAULT_LATENESS_LIMIT_MINUTES, Platform } from './channel.entity';
import { CHANNEL_CONNECTION_BROKEN, CHANNEL_CONNECTION_RESTORED } from './channel.events';
import { toRulesConfig, toSlotsConfig } from './channel-rules';
import { ChannelChanges, ChannelsRepository } from './channels.repository';
import { addressFields, credentialErrors } from './credentials.schema';
import { CredentialsCipher } from './credentials.cipher';
import {
  ChannelCreateDto,
  ChannelListQueryDto,
  ChannelResponse,
  ChannelUpdateDto,
  mapChannel,
} from './dto/channel.dto';

export interface ChannelMutation extends ChannelResponse {
  warnings: string[];
}

/** The account a platform sign-in connected (src/connect): what the channel shows of it. */
export interface ConnectedAccount {
  platform: Platform;
  name: string;
  handle: string;
  avatarUrl: string | null;
  credentials: Record<string, unknown>;
}

/** What a connection check found: credentials accepted, or refused (why, never a credential). */
export type ConnectionVerdict = { state: 'ok' } | { state: 'broken'; problem: string };

@Injectable()
export class ChannelsService {
  constructor(
    private readonly channels: ChannelsRepository,
    private readonly workspaces: WorkspacesService,
    private readonly cipher: CredentialsCipher,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly egress: EgressGuard,
    private readonly events: AfterCommitEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(
    actor: Actor,
    workspaceId: string,
    dto: ChannelCreateDto,
    connected?: Pick<ChannelEntity, 'avatarUrl' | 'connectionState' | 'connectionCheckedAt'>,
  ): Promise<ChannelMutation> {
    this.workspaces.assertOwn(actor, workspaceId);
    this.assertCanTrackLinks(dto.trackLinks);
    this.assertCredentials(dto.platform, dto.credentials);
    await this.assertAddresses(dto.platform, dto.credentials);
    const id = randomUUID();
    const channel = await this.channels.transaction(async (m) => {
      const channel = await this.channels.insert(m, {
        id,
        workspaceId,
        name: dto.name,
        platform: dto.platform,
        handle: dto.handle,
        timezone: dto.timezone,
        status: 'active',
        purpose: dto.purpose ?? null,
        audience: dto.audience ?? null,
        goal: dto.goal ?? null,
        kpis: dto.kpis ?? [],
        guidelines: dto.guidelines ?? null,
        approvalRequired: dto.approvalRequired ?? true,
        requireAltText: dto.requireAltText ?? true,
        rules: dto.rules ? toRulesConfig(dto.rules) : {},
        postingSlots: dto.postingSlots ? toSlotsConfig(dto.postingSlots) : [],
        latenessLimitMinutes: dto.latenessLimitMinutes ?? DEFAULT_LATENESS_LIMIT_MINUTES,
        utm: dto.utm ? { campaign: dto.utm.campaign } : null,
        trackLinks: dto.trackLinks ?? false,
        credentialsCiphertext: dto.credentials ? this.cipher.encrypt(dto.credentials, id) : null,
        hasCredentials: dto.credentials !== undefined,
        archivedAt: null,
        ...connected,
      });
      await this.audit.record(
        actor,
        { action: 'channel.create', entityType: 'channel', entityId: id, details: { platform: dto.platform } },
        m,
      );
      return channel;
    });
    return { ...mapChannel(channel), warnings: await this.channelCountWarnings(workspaceId) };
  }

  async list(
    actor: Actor,
    workspaceId: string,
    query: ChannelListQueryDto,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ) {
    this.workspaces.assertOwn(actor, workspaceId);
    const after = decodeCursor<{ createdAt: string; id: string }>(cursor, ['createdAt', 'id']);
    const status = query.status === 'all' ? undefined : (query.status ?? 'active');
    const rows = await this.channels.list(workspaceId, { status, limit, after });
    return toPage(rows, limit, mapChannel, (c) => ({ createdAt: c.createdAt.toISOString(), id: c.id }));
  }

  /** Active channels of a workspace (already scoped by the caller). */
  listActiveEntities(workspaceId: string, ids?: string[]): Promise<ChannelEntity[]> {
    return this.channels.listActive(workspaceId, ids);
  }

  /** For background jobs (no caller): active channels with cadence rules, a page at a time. */
  activeWithCadence(afterId: string | null, limit: number): Promise<ChannelEntity[]> {
    return this.channels.listActiveWithCadence(afterId, limit);
  }

  /** For background jobs (no caller): active channels with a KPI alert (alertAfter), a page at a time. */
  activeWithKpiAlerts(afterId: string | null, limit: number): Promise<ChannelEntity[]> {
    return this.channels.listActiveWithKpiAlerts(afterId, limit);
  }

  /** For background jobs (no caller): channels by id, any workspace. */
  byIds(ids: string[]): Promise<ChannelEntity[]> {
    return this.channels.findByIds(ids);
  }

  /** A channel of the caller's workspace, or 404. */
  async get(actor: Actor, channelId: string, m?: EntityManager): Promise<ChannelEntity> {
    const channel = await this.channels.findInWorkspace(actor.workspaceId, channelId, m);
    if (!channel) throw DomainError.notFound('Channel');
    return channel;
  }

  /**
   * A channel of the caller's workspace (any status), or null: one prepared statement, for
   * the hot path that keeps what it reads (the calendar's cache of channels with their
   * plan revisions, which it may share between requests: read it, never change it).
   */
  find(actor: Actor, channelId: string): Promise<ChannelEntity | null> {
    return this.channels.findInWorkspacePrepared(actor.workspaceId, channelId);
  }

  /** The workspace's active channels (in list order), one prepared statement; 404 for another workspace. */
  active(actor: Actor, workspaceId: string): Promise<ChannelEntity[]> {
    this.workspaces.assertOwn(actor, workspaceId);
    return this.channels.listActivePrepared(workspaceId);
  }

  /** Locks a channel of the caller's workspace for the rest of the transaction, or 404. */
  async lock(m: EntityManager, actor: Actor, channelId: string): Promise<ChannelEntity> {
    const channel = await this.channels.lockInWorkspace(m, actor.workspaceId, channelId);
    if (!channel) throw DomainError.notFound('Channel');
    return channel;
  }

  async describe(actor: Actor, channelId: string) {
    return mapChannel(await this.get(actor, channelId));
  }

  async update(actor: Actor, channelId: string, dto: ChannelUpdateDto, ifMatch?: number): Promise<ChannelMutation> {
    const current = await this.get(actor, channelId);
    assertVersion(ifMatch, current.version, 'The channel');
    this.assertCanTrackLinks(dto.trackLinks);
    if (dto.credentials) {
      this.assertCredentials(current.platform, dto.credentials);
      await this.assertAddresses(current.platform, dto.credentials);
    }
    const changes: ChannelChanges = {
      name: dto.name,
      handle: dto.handle,
      timezone: dto.timezone,
      purpose: dto.purpose,
      audience: dto.audience,
      goal: dto.goal,
      kpis: dto.kpis,
      guidelines: dto.guidelines,
      approvalRequired: dto.approvalRequired,
      requireAltText: dto.requireAltText,
      rules: dto.rules ? toRulesConfig(dto.rules) : undefined,
      postingSlots: dto.postingSlots ? toSlotsConfig(dto.postingSlots) : undefined,
      latenessLimitMinutes: dto.latenessLimitMinutes,
      utm: dto.utm === undefined ? undefined : dto.utm === null ? null : { campaign: dto.utm.campaign },
      trackLinks: dto.trackLinks,
    };
    if (dto.credentials !== undefined) {
      changes.credentialsCiphertext = dto.credentials === null ? null : this.cipher.encrypt(dto.credentials, channelId);
      changes.hasCredentials = dto.credentials !== null;
    }
    const reactivated = dto.status === 'active' && current.status === 'archived';
    if (dto.status && dto.status !== current.status) {
      changes.status = dto.status;
      changes.archivedAt = dto.status === 'archived' ? this.clock.now() : null;
    }
    for (const key of Object.keys(changes) as (keyof ChannelChanges)[]) {
      if (changes[key] === undefined) delete changes[key];
    }
    await this.channels.transaction(async (m) => {
      if (!(await this.channels.updateAtVersion(m, channelId, ifMatch ?? current.version, changes))) {
        const now = await this.get(actor, channelId, m);
        assertVersion(ifMatch ?? current.version, now.version, 'The channel');
      }
      const changed = Object.keys(changes).filter((k) => k !== 'credentialsCiphertext');
      await this.audit.record(
        actor,
        { action: 'channel.update', entityType: 'channel', entityId: channelId, details: { changed } },
        m,
      );
    });
    const updated = await this.get(actor, channelId);
    return { ...mapChannel(updated), warnings: reactivated ? await this.channelCountWarnings(actor.workspaceId) : [] };
  }

  /** DELETE archives: the channel keeps its history and stops publishing. */
  async archive(actor: Actor, channelId: string): Promise<void> {
    const current = await this.get(actor, channelId);
    if (current.status === 'archived') return;
    await this.channels.transaction(async (m) => {
      await this.channels.updateAtVersion(m, channelId, current.version, {
        status: 'archived',
        archivedAt: this.clock.now(),
      });
      await this.audit.record(actor, { action: 'channel.archive', entityType: 'channel', entityId: channelId }, m);
    });
  }

  /**
   * A channel for an account connected by a platform sign-in, named after the account, in
   * the workspace's time zone, its connection checked now.
   */
  async createConnected(actor: Actor, workspaceId: string, account: ConnectedAccount): Promise<ChannelMutation> {
    const { timezone } = await this.workspaces.get(actor, workspaceId);
    const dto = Object.assign(new ChannelCreateDto(), {
      name: account.name.slice(0, 200),
      platform: account.platform,
      handle: account.handle.slice(0, 200),
      timezone,
      credentials: account.credentials,
    });
    return this.create(actor, workspaceId, dto, {
      avatarUrl: account.avatarUrl,
      connectionState: 'ok',
      connectionCheckedAt: this.clock.now(),
    });
  }

  /** Reconnect: the channel's credentials (and handle, picture) replaced by a new sign-in's. */
  async reconnect(actor: Actor, channelId: string, account: ConnectedAccount): Promise<ChannelResponse> {
    const current = await this.get(actor, channelId);
    if (current.platform !== account.platform) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `The channel is a ${current.platform} channel; it cannot be reconnected to ${account.platform}.`,
      );
    }
    this.assertCredentials(current.platform, account.credentials);
    await this.assertAddresses(current.platform, account.credentials);
    const now = this.clock.now();
    await this.channels.transaction(async (m) => {
      const locked = await this.channels.lockById(m, channelId);
      if (!locked) throw DomainError.notFound('Channel');
      await this.channels.updateAtVersion(m, channelId, locked.version, {
        credentialsCiphertext: this.cipher.encrypt(account.credentials, channelId),
        hasCredentials: true,
        handle: account.handle.slice(0, 200),
        avatarUrl: account.avatarUrl,
        connectionState: 'ok',
        connectionCheckedAt: now,
        connectionProblem: null,
      });
      if (locked.connectionState === 'broken') {
        this.events.emitOnCommit(m, CHANNEL_CONNECTION_RESTORED, {
          workspaceId: locked.workspaceId,
          channelId,
          platform: locked.platform,
          checkedAt: now,
        });
      }
      await this.audit.record(
        actor,
        {
          action: 'channel.reconnect',
          entityType: 'channel',
          entityId: channelId,
          details: { platform: locked.platform },
        },
        m,
      );
    });
    return mapChannel(await this.get(actor, channelId));
  }

  /**
   * Records a connection check (any workspace: the daily job has no caller). A channel that
   * turns broken states `channel.connection_broken`, one that works again
   * `channel.connection_restored` (docs/events.md); a check that finds what was known states
   * nothing. Returns the channel as it is now, or null when it is gone.
   */
  async recordConnection(channelId: string, verdict: ConnectionVerdict, at: Date): Promise<ChannelEntity | null> {
    return this.channels.transaction(async (m) => {
      const locked = await this.channels.lockById(m, channelId);
      if (!locked) return null;
      const problem = verdict.state === 'broken' ? verdict.problem.slice(0, 500) : null;
      await m
        .getRepository(ChannelEntity)
        .update(
          { id: channelId },
          { connectionState: verdict.state, connectionCheckedAt: at, connectionProblem: problem },
        );
      const base = { workspaceId: locked.workspaceId, channelId, platform: locked.platform, checkedAt: at };
      if (verdict.state === 'broken' && locked.connectionState !== 'broken') {
        this.events.emitOnCommit(m, CHANNEL_CONNECTION_BROKEN, { ...base, problem: problem ?? '' });
      } else if (verdict.state === 'ok' && locked.connectionState === 'broken') {
        this.events.emitOnCommit(m, CHANNEL_CONNECTION_RESTORED, base);
      }
      return Object.assign(locked, {
        connectionState: verdict.state,
        connectionCheckedAt: at,
        connectionProblem: problem,
      });
    });
  }

  /** For the daily connection check (no caller): active channels with credentials, by id, a page at a time. */
  activeWithCredentials(afterId: string | null, limit: number): Promise<ChannelEntity[]> {
    return this.channels.listActiveWithCredentials(afterId, limit);
  }

  /** Decrypted credentials, for the publishing adapters only; never returned by the API. */
  async credentialsFor(channel: Pick<ChannelEntity, 'id'>): Promise<Record<string, unknown>> {
    const ciphertext = await this.channels.credentialsCiphertext(channel.id);
    return ciphertext ? this.cipher.decrypt(ciphertext, channel.id) : {};
  }

  /** Tracked links are `{PUBLIC_URL}/l/{code}`: without PUBLIC_URL there is no address to publish. */
  private assertCanTrackLinks(trackLinks: boolean | undefined): void {
    if (trackLinks && !this.config.publicUrl) {
      throw DomainError.invalid(
        'trackLinks',
        'Tracked links need PUBLIC_URL: set it to the address readers reach this service at (e.g. https://palinsesto.example.com), then turn trackLinks on.',
      );
    }
  }

  private assertCredentials(platform: Platform, credentials: Record<string, unknown> | undefined | null): void {
    if (credentials === undefined || credentials === null) return;
    const errors = credentialErrors(platform, credentials);
    if (errors.length) {
      throw new DomainError(
        ErrorCode.InvalidInput,
        `The credentials are invalid for ${platform}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
        { errors },
      );
    }
  }

  /**
   * The addresses in credentials (webhook url, Mastodon instanceUrl, Bluesky service) that the
   * egress guard would refuse (loopback, private... not in EGRESS_ALLOW): 422 at save time
   * rather than a failed post later. Runs outside any transaction (it resolves names).
   */
  private async assertAddresses(
    platform: Platform,
    credentials: Record<string, unknown> | undefined | null,
  ): Promise<void> {
    if (!credentials) return;
    const errors: { field: string; message: string }[] = [];
    for (const name of addressFields(platform)) {
      const value = credentials[name];
      if (typeof value !== 'string') continue;
      try {
        await this.egress.assertAllowed(value);
      } catch (error) {
        if (!(error instanceof EgressRefusedError)) throw error;
        errors.push({ field: `credentials.${name}`, message: error.message });
      }
    }
    if (errors.length) {
      throw new DomainError(ErrorCode.Unprocessable, `${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}.`, {
        errors,
      });
    }
  }

  /** "Few channels, well kept": advisory, never refused. */
  private async channelCountWarnings(workspaceId: string): Promise<string[]> {
    const settings = await this.workspaces.settingsOf(workspaceId);
    const active = await this.channels.countActive(workspaceId);
    if (active <= settings.maxActiveChannels) return [];
    return [
      `This workspace now has ${active} active channels; the plan advises at most ${settings.maxActiveChannels}. ` +
        'Few channels, well kept, beat many left idle: consider archiving one.',
    ];
  }
}
