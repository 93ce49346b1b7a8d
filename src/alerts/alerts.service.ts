import { Inject, Injectable } from '@nestjs/common';
import { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DomainError, ErrorCode } from '../common/domain-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../common/pagination';
import { toDate } from '../common/validators';
import { EgressGuard } from '../egress/egress-guard';
import { EgressRefusedError } from '../egress/egress-refused.error';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { DEFAULT_LOOKAHEAD_DAYS, StoredWebhook } from './alert.entity';
import { AlertDestinations } from './alert-destinations';
import { AlertsRepository } from './alerts.repository';
import { AlertListQueryDto, AlertMuteDto, AlertSettingsDto, mapAlert } from './dto/alert.dto';
import { DigestJob } from './digest.job';
import { GapFillSuggester } from './gap-fill.suggester';
import { EmailNotifier } from './notifiers/email.notifier';

@Injectable()
export class AlertsService {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly destinations: AlertDestinations,
    private readonly workspaces: WorkspacesService,
    private readonly channels: ChannelsService,
    private readonly email: EmailNotifier,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly suggester: GapFillSuggester,
    private readonly egress: EgressGuard,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly digest: DigestJob,
  ) {}

  /**
   * The digest the leads would get for the last full week (Monday to Sunday in the
   * workspace's zone), as the webhook receives it, and who would get it. Sends nothing.
   */
  async digestPreview(actor: Actor, workspaceId: string) {
    const ws = await this.workspaces.get(actor, workspaceId);
    const week = DigestJob.weekOf(this.clock.now(), ws.timezone, this.config.digestHour ?? 0);
    const content = await this.digest.build(ws, week.from, week.to);
    return {
      ...content,
      schedule:
        this.config.digestHour === null
          ? null
          : { weekday: 'Monday', hour: this.config.digestHour, timezone: ws.timezone },
      recipients: await this.digest.destinationsOf(workspaceId),
    };
  }

  async list(actor: Actor, workspaceId: string, query: AlertListQueryDto) {
    this.workspaces.assertOwn(actor, workspaceId);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor<{ openedAt: string; id: string }>(query.cursor, ['openedAt', 'id']);
    if (after && (Number.isNaN(Date.parse(after.openedAt)) || !/^[0-9a-f-]{36}$/i.test(after.id))) {
      throw DomainError.invalid('cursor', 'cursor is not a cursor this API returned');
    }
    const rows = await this.repo.list(workspaceId, { status: query.status, channelId: query.channelId, limit, after });
    return toPage(
      rows,
      limit,
      (a) => mapAlert(a, this.config.alertSettleMs),
      (a) => ({ openedAt: a.openedAt.toISOString(), id: a.id }),
    );
  }

  /**
   * Where a post would fill the alert's gap (the slots its email offered): what the calendar
   * page's "Fill this gap" opens the composer at. A resolved alert has nothing left to fill.
   */
  async suggestedSlots(actor: Actor, workspaceId: string, alertId: string) {
    this.workspaces.assertOwn(actor, workspaceId);
    const [alert] = await this.repo.alertsByIds([alertId]);
    if (!alert || alert.workspaceId !== workspaceId) throw DomainError.notFound('Alert');
    const channel = await this.channels.get(actor, alert.channelId);
    const { category, slots } = alert.resolvedAt
      ? { category: null, slots: [] }
      : await this.suggester.suggest(alert, channel);
    return { alertId: alert.id, channelId: channel.id, category, slots: slots.map((d) => d.toISOString()) };
  }

  async getSettings(actor: Actor, workspaceId: string) {
    this.workspaces.assertOwn(actor, workspaceId);
    const s = await this.repo.settingsOf(workspaceId);
    const now = this.clock.now().getTime();
    return {
      lookaheadDays: s?.lookaheadDays ?? DEFAULT_LOOKAHEAD_DAYS,
      emails: s?.emails ?? null,
      emailEnabled: this.email.enabled,
      webhooks: (s?.webhooks ?? []).map((w) => ({ url: w.url, hasSecret: w.secretCiphertext !== null })),
      mutes: Object.entries(s?.mutes ?? {})
        .filter(([, until]) => Date.parse(until) > now)
        .map(([channelId, until]) => ({ channelId, until })),
    };
  }

  /** Replaces the settings; a webhook listed without `secret` keeps the secret stored for its url. */
  async putSettings(actor: Actor, workspaceId: string, dto: AlertSettingsDto) {
    this.workspaces.assertOwn(actor, workspaceId);
    const current = await this.repo.settingsOf(workspaceId);
    const seen = new Set<string>();
    const webhooks: StoredWebhook[] = [];
    for (const [i, w] of (dto.webhooks ?? []).entries()) {
      if (seen.has(w.url)) throw DomainError.invalid(`webhooks[${i}].url`, 'is listed twice');
      seen.add(w.url);
      await this.assertAddress(`webhooks[${i}].url`, w.url);
      const kept = current?.webhooks.find((c) => c.url === w.url)?.secretCiphertext ?? null;
      const secretCiphertext =
        w.secret === undefined
          ? kept
          : w.secret === null
            ? null
            : this.destinations.encryptSecret(workspaceId, w.secret);
      webhooks.push({ url: w.url, secretCiphertext });
    }
    const emails = dto.emails ? [...new Set(dto.emails)] : null;
    await this.repo.transaction(async (m) => {
      await this.repo.saveSettings(
        m,
        workspaceId,
        { lookaheadDays: dto.lookaheadDays, emails, webhooks },
        this.clock.now(),
      );
      await this.audit.record(
        actor,
        {
          action: 'alerts.settings',
          entityType: 'workspace',
          entityId: workspaceId,
          details: { lookaheadDays: dto.lookaheadDays, emails: emails?.length ?? 'leads', webhooks: webhooks.length },
        },
        m,
      );
    });
    return this.getSettings(actor, workspaceId);
  }

  /** A webhook address the egress guard would refuse (loopback, private... not in EGRESS_ALLOW) is a 422. */
  private async assertAddress(field: string, url: string): Promise<void> {
    try {
      await this.egress.assertAllowed(url);
    } catch (error) {
      if (!(error instanceof EgressRefusedError)) throw error;
      throw new DomainError(ErrorCode.Unprocessable, `${field}: ${error.message}.`, {
        errors: [{ field, message: error.message }],
      });
    }
  }

  async mute(actor: Actor, channelId: string, dto: AlertMuteDto) {
    if (dto.until === undefined) throw DomainError.invalid('until', 'until must be an instant, or null to unmute');
    const channel = await this.channels.get(actor, channelId);
    const until = dto.until === null ? null : toDate(dto.until);
    const now = this.clock.now();
    const effective = until && until.getTime() > now.getTime() ? until : null;
    await this.repo.transaction(async (m) => {
      await this.repo.setMute(m, channel.workspaceId, channel.id, effective, now);
      await this.audit.record(
        actor,
        {
          action: 'alerts.mute',
          entityType: 'channel',
          entityId: channel.id,
          details: { until: effective?.toISOString() ?? null },
        },
        m,
      );
    });
    return { channelId: channel.id, until: effective?.toISOString() ?? null };
  }
}
