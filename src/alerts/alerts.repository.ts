import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PostsService } from '../posts/posts.service';
import {
  AlertDeliveryEntity,
  AlertDetails,
  AlertEntity,
  AlertKind,
  AlertResolution,
  AlertSettingsEntity,
  GAP_KINDS,
  SETTLING_KINDS,
  StoredWebhook,
} from './alert.entity';

/** The advisory-lock namespace of "one instance scans this channel at a time". */
const SCAN_LOCK_SEED = 7_316_403;

export interface AlertUpsert {
  workspaceId: string;
  channelId: string;
  kind: AlertKind;
  startsAt: Date;
  endsAt: Date;
  postId: string | null;
  message: string;
  details: AlertDetails;
}

export interface UpsertResult {
  id: string;
  occurrence: number;
  /** Newly inserted, or re-opened after having been resolved: its deliveries are due. */
  opened: boolean;
}

export interface ClaimedDelivery {
  id: string;
  alertId: string;
  destination: string;
  event: 'opened' | 'resolved';
  occurrence: number;
  attempts: number;
  claimId: string;
}

interface AlertRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  kind: AlertKind;
  starts_at: Date;
  ends_at: Date;
  post_id: string | null;
  message: string;
  details: AlertDetails;
  occurrence: number;
  opened_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  resolution: AlertResolution | null;
  announced_occurrence: number | null;
}

/** TypeORM answers an UPDATE with [rows, rowCount]. */
function updatedRows<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

function toAlert(r: AlertRow): AlertEntity {
  return Object.assign(new AlertEntity(), {
    id: r.id,
    workspaceId: r.workspace_id,
    channelId: r.channel_id,
    kind: r.kind,
    startsAt: new Date(r.starts_at),
    endsAt: new Date(r.ends_at),
    postId: r.post_id,
    message: r.message,
    details: r.details ?? {},
    occurrence: r.occurrence,
    openedAt: new Date(r.opened_at),
    updatedAt: new Date(r.updated_at),
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
    resolution: r.resolution,
    announcedOccurrence: r.announced_occurrence ?? null,
  });
}

/**
 * Every SQL statement of the alerts module: alerts, their outbox and the settings. What it
 * needs to know of posts it asks the posts module (PostsService), which owns their table.
 */
@Injectable()
export class AlertsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly posts: PostsService,
  ) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  // ---- scanning ---------------------------------------------------------------------

  /**
   * Takes the channel's scan lock for the rest of the transaction; false when another
   * instance holds it (it is scanning the channel right now, so this one skips it).
   */
  async tryLockChannel(m: EntityManager, channelId: string): Promise<boolean> {
    const [row] = (await m.query('SELECT pg_try_advisory_xact_lock(hashtextextended($1, $2)) AS ok', [
      channelId,
      SCAN_LOCK_SEED,
    ])) as { ok: boolean }[];
    return row.ok;
  }

  async openGapAlerts(m: EntityManager, channelId: string): Promise<AlertEntity[]> {
    const rows = (await m.query(
      `SELECT * FROM alerts WHERE channel_id = $1 AND resolved_at IS NULL AND kind = ANY($2) ORDER BY starts_at FOR UPDATE`,
      [channelId, GAP_KINDS],
    )) as AlertRow[];
    return rows.map(toAlert);
  }

  /**
   * Opens the alert of this natural key, or updates it when its end, message or details
   * changed, or re-opens it (occurrence + 1) when it had been resolved. Nothing is written
   * (and null returned) when the stored alert is open and identical: repeated scans are
   * read-only.
   */
  async upsert(m: EntityManager, a: AlertUpsert, now: Date): Promise<UpsertResult | null> {
    const rows = (await m.query(
      `WITH prev AS (
         SELECT id, resolved_at FROM alerts
          WHERE workspace_id = $1 AND channel_id = $2 AND kind = $3 AND starts_at = $4
       ), up AS (
         INSERT INTO alerts AS a (workspace_id, channel_id, kind, starts_at, ends_at, post_id, message, details, opened_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (workspace_id, channel_id, kind, starts_at) DO UPDATE SET
           ends_at = EXCLUDED.ends_at,
           post_id = EXCLUDED.post_id,
           message = EXCLUDED.message,
           details = EXCLUDED.details,
           updated_at = EXCLUDED.updated_at,
           occurrence = CASE WHEN a.resolved_at IS NULL THEN a.occurrence ELSE a.occurrence + 1 END,
           opened_at = CASE WHEN a.resolved_at IS NULL THEN a.opened_at ELSE EXCLUDED.opened_at END,
           resolved_at = NULL,
           resolution = NULL
         WHERE a.resolved_at IS NOT NULL
            OR a.ends_at <> EXCLUDED.ends_at
            OR a.message <> EXCLUDED.message
            OR a.details <> EXCLUDED.details
            OR a.post_id IS DISTINCT FROM EXCLUDED.post_id
         RETURNING a.id, a.occurrence
       )
       SELECT up.id, up.occurrence, (prev.id IS NULL OR prev.resolved_at IS NOT NULL) AS opened
         FROM up LEFT JOIN prev ON true`,
      [a.workspaceId, a.channelId, a.kind, a.startsAt, a.endsAt, a.postId, a.message, JSON.stringify(a.details), now],
    )) as { id: string; occurrence: number; opened: boolean }[];
    return rows[0] ?? null;
  }

  /** The ids of the channel's open connection_broken alerts, locked. */
  async openConnectionAlerts(m: EntityManager, channelId: string): Promise<string[]> {
    const rows = (await m.query(
      `SELECT id FROM alerts WHERE channel_id = $1 AND kind = 'connection_broken' AND resolved_at IS NULL FOR UPDATE`,
      [channelId],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** The channel's open kpi_missed alerts (kpi-missed.alerts.ts), locked. */
  async openKpiAlerts(m: EntityManager, channelId: string): Promise<{ id: string; startsAt: Date }[]> {
    const rows = (await m.query(
      `SELECT id, starts_at FROM alerts WHERE channel_id = $1 AND kind = 'kpi_missed' AND resolved_at IS NULL FOR UPDATE`,
      [channelId],
    )) as { id: string; starts_at: Date }[];
    return rows.map((r) => ({ id: r.id, startsAt: r.starts_at }));
  }

  /** Closes open alerts; returns those it closed. */
  async resolve(m: EntityManager, ids: string[], resolution: AlertResolution, now: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const result = await m.query(
      `UPDATE alerts SET resolved_at = $2, resolution = $3, updated_at = $2
        WHERE id = ANY($1) AND resolved_at IS NULL RETURNING id`,
      [ids, now, resolution],
    );
    return updatedRows<{ id: string }>(result).map((r) => r.id);
  }

  /**
   * Gap alerts of channels that no longer qualify (archived, or without cadence rules):
   * closed as not_applicable. Returns their ids.
   */
  async resolveInapplicable(m: EntityManager, now: Date): Promise<string[]> {
    const result = await m.query(
      `UPDATE alerts a SET resolved_at = $1, resolution = 'not_applicable', updated_at = $1
         FROM channels c
        WHERE a.channel_id = c.id AND a.resolved_at IS NULL AND a.kind = ANY($2)
          AND (c.status <> 'active' OR NOT (c.rules -> 'cadence' ? 'maxGapHours' OR c.rules -> 'cadence' ? 'postsPerWeek'))
        RETURNING a.id`,
      [now, GAP_KINDS],
    );
    return updatedRows<{ id: string }>(result).map((r) => r.id);
  }

  /**
   * publish_failed alerts whose post is no longer failed (rescheduled, published, deleted):
   * closed as handled; returns their ids. The open ones are locked first, then the posts
   * module is asked once, for all their posts, which are still failed. A dispatcher that
   * marks one of those posts failed meanwhile either committed before the question (the
   * post counts as failed, its alert stays open) or upserts the alert after this
   * transaction, and so re-opens it. Alerts locked by such a writer right now are skipped
   * until the next scan.
   */
  async resolveHandledFailures(m: EntityManager, now: Date): Promise<string[]> {
    const open = (await m.query(
      `SELECT id, post_id FROM alerts WHERE kind = 'publish_failed' AND resolved_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED`,
    )) as { id: string; post_id: string | null }[];
    if (open.length === 0) return [];
    const failed = await this.posts.stillFailed(
      open.flatMap((a) => (a.post_id ? [a.post_id] : [])),
      m,
    );
    const handled = open.filter((a) => a.post_id === null || !failed.has(a.post_id)).map((a) => a.id);
    return this.resolve(m, handled, 'handled', now);
  }

  /** The (channel, post time) of every open publish_failed alert: the failures already alerted. */
  async openPublishFailedKeys(m: EntityManager): Promise<{ channelId: string; scheduledAt: Date }[]> {
    const rows = (await m.query(
      `SELECT channel_id, starts_at FROM alerts WHERE kind = 'publish_failed' AND resolved_at IS NULL`,
    )) as { channel_id: string; starts_at: Date }[];
    return rows.map((r) => ({ channelId: r.channel_id, scheduledAt: new Date(r.starts_at) }));
  }

  /** Planned gaps whose current occurrence settled: their deliveries were queued (or muted). */
  async markAnnounced(m: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await m.query(`UPDATE alerts SET announced_occurrence = occurrence WHERE id = ANY($1)`, [ids]);
  }

  // ---- the outbox -----------------------------------------------------------------

  /** One `opened` row per destination (at most once: the unique key absorbs repeats). */
  async enqueueOpened(
    m: EntityManager,
    alertId: string,
    occurrence: number,
    destinations: string[],
    now: Date,
  ): Promise<number> {
    if (destinations.length === 0) return 0;
    const rows = (await m.query(
      `INSERT INTO alert_deliveries (alert_id, destination, event, occurrence, next_attempt_at, created_at)
       SELECT $1, d, 'opened', $2, $3, $3 FROM unnest($4::text[]) AS d
       ON CONFLICT (alert_id, destination, event, occurrence) DO NOTHING
       RETURNING id`,
      [alertId, occurrence, now, destinations],
    )) as { id: string }[];
    return rows.length;
  }

  /**
   * After alerts closed: the `opened` deliveries still waiting (and not in flight) are
   * cancelled; with `announce`, every destination that was (or is being) told of the
   * opening gets a `resolved` row.
   */
  async closeDeliveries(m: EntityManager, alertIds: string[], announce: boolean, now: Date): Promise<void> {
    if (alertIds.length === 0) return;
    await m.query(
      `UPDATE alert_deliveries d SET state = 'cancelled', last_error = COALESCE(d.last_error || '; ', '') || 'alert resolved before delivery'
         FROM alerts a
        WHERE a.id = d.alert_id AND d.alert_id = ANY($1) AND d.event = 'opened' AND d.occurrence = a.occurrence
          AND d.state = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until <= $2)`,
      [alertIds, now],
    );
    if (!announce) return;
    await m.query(
      `INSERT INTO alert_deliveries (alert_id, destination, event, occurrence, next_attempt_at, created_at)
       SELECT d.alert_id, d.destination, 'resolved', d.occurrence, $2, $2
         FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id AND d.occurrence = a.occurrence
        WHERE d.alert_id = ANY($1) AND d.event = 'opened' AND d.state <> 'cancelled'
       ON CONFLICT (alert_id, destination, event, occurrence) DO NOTHING`,
      [alertIds, now],
    );
  }

  /**
   * Claims due deliveries for `leaseMs` (FOR UPDATE SKIP LOCKED: concurrent instances take
   * disjoint rows). A `resolved` row waits while its `opened` sibling is still pending, so a
   * destination never hears of a resolution before the alert.
   */
  async claimDue(now: Date, leaseMs: number, limit: number, claimId: string): Promise<ClaimedDelivery[]> {
    const result = await this.ds.query(
      `UPDATE alert_deliveries d
          SET claim_id = $4, claimed_until = $1::timestamptz + ($2 || ' milliseconds')::interval, attempts = d.attempts + 1
        WHERE d.id IN (
          SELECT x.id FROM alert_deliveries x
           WHERE x.state = 'pending' AND x.next_attempt_at <= $1
             AND (x.claimed_until IS NULL OR x.claimed_until <= $1)
             AND (x.event = 'opened' OR NOT EXISTS (
                   SELECT 1 FROM alert_deliveries o
                    WHERE o.alert_id = x.alert_id AND o.destination = x.destination AND o.occurrence = x.occurrence
                      AND o.event = 'opened' AND o.state = 'pending'))
           ORDER BY x.next_attempt_at, x.id
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.alert_id, d.destination, d.event, d.occurrence, d.attempts, d.claim_id`,
      [now, String(leaseMs), limit, claimId],
    );
    type Row = {
      id: string;
      alert_id: string;
      destination: string;
      event: 'opened' | 'resolved';
      occurrence: number;
      attempts: number;
      claim_id: string;
    };
    return updatedRows<Row>(result).map((r) => ({
      id: r.id,
      alertId: r.alert_id,
      destination: r.destination,
      event: r.event,
      occurrence: r.occurrence,
      attempts: r.attempts,
      claimId: r.claim_id,
    }));
  }

  /** Fenced on the claim: false when the lease passed to another instance meanwhile. */
  async markDelivered(id: string, claimId: string, now: Date): Promise<boolean> {
    const [, affected] = (await this.ds.query(
      `UPDATE alert_deliveries SET state = 'delivered', delivered_at = $3, claimed_until = NULL, last_error = NULL
        WHERE id = $1 AND claim_id = $2 AND state = 'pending'`,
      [id, claimId, now],
    )) as [unknown, number];
    return affected > 0;
  }

  async scheduleRetry(id: string, claimId: string, at: Date, error: string): Promise<boolean> {
    const [, affected] = (await this.ds.query(
      `UPDATE alert_deliveries SET next_attempt_at = $3, last_error = $4, claimed_until = NULL
        WHERE id = $1 AND claim_id = $2 AND state = 'pending'`,
      [id, claimId, at, error.slice(0, 1000)],
    )) as [unknown, number];
    return affected > 0;
  }

  async cancelClaimed(id: string, claimId: string, reason: string): Promise<void> {
    await this.ds.query(
      `UPDATE alert_deliveries SET state = 'cancelled', last_error = $3, claimed_until = NULL
        WHERE id = $1 AND claim_id = $2 AND state = 'pending'`,
      [id, claimId, reason],
    );
  }

  async alertsByIds(ids: string[]): Promise<AlertEntity[]> {
    if (ids.length === 0) return [];
    const rows = (await this.ds.query('SELECT * FROM alerts WHERE id = ANY($1)', [ids])) as AlertRow[];
    return rows.map(toAlert);
  }

  // ---- the digest -----------------------------------------------------------------

  /** publish_failed alerts per channel of the workspace whose post was due in [from, to). */
  async failuresBetween(workspaceId: string, from: Date, to: Date): Promise<Map<string, number>> {
    const rows = (await this.ds.query(
      `SELECT channel_id, count(*)::int AS n FROM alerts
        WHERE workspace_id = $1 AND kind = 'publish_failed' AND starts_at >= $2 AND starts_at < $3
        GROUP BY channel_id`,
      [workspaceId, from, to],
    )) as { channel_id: string; n: number }[];
    return new Map(rows.map((r) => [r.channel_id, r.n]));
  }

  /** The workspace's open alerts that were delivered (not settling), oldest first. */
  async openAnnounced(workspaceId: string): Promise<AlertEntity[]> {
    const rows = (await this.ds.query(
      `SELECT * FROM alerts WHERE workspace_id = $1 AND resolved_at IS NULL
          AND (NOT (kind = ANY($2)) OR announced_occurrence = occurrence)
        ORDER BY opened_at, id LIMIT 500`,
      [workspaceId, SETTLING_KINDS],
    )) as AlertRow[];
    return rows.map(toAlert);
  }

  // ---- the API --------------------------------------------------------------------

  async list(
    workspaceId: string,
    opts: { status?: 'open' | 'resolved'; channelId?: string; limit: number; after?: { openedAt: string; id: string } },
  ): Promise<AlertEntity[]> {
    const params: unknown[] = [workspaceId, opts.limit + 1];
    const where = ['workspace_id = $1'];
    if (opts.status === 'open') where.push('resolved_at IS NULL');
    if (opts.status === 'resolved') where.push('resolved_at IS NOT NULL');
    if (opts.channelId) {
      params.push(opts.channelId);
      where.push(`channel_id = $${params.length}`);
    }
    if (opts.after) {
      params.push(opts.after.openedAt, opts.after.id);
      where.push(`(opened_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows = (await this.ds.query(
      `SELECT * FROM alerts WHERE ${where.join(' AND ')} ORDER BY opened_at DESC, id DESC LIMIT $2`,
      params,
    )) as AlertRow[];
    return rows.map(toAlert);
  }

  settingsOf(workspaceId: string, m: EntityManager = this.ds.manager): Promise<AlertSettingsEntity | null> {
    return m.getRepository(AlertSettingsEntity).findOne({ where: { workspaceId } });
  }

  async saveSettings(
    m: EntityManager,
    workspaceId: string,
    s: { lookaheadDays: number; emails: string[] | null; webhooks: StoredWebhook[] },
    now: Date,
  ): Promise<void> {
    await m.query(
      `INSERT INTO alert_settings (workspace_id, lookahead_days, emails, webhooks, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id) DO UPDATE SET
         lookahead_days = EXCLUDED.lookahead_days, emails = EXCLUDED.emails, webhooks = EXCLUDED.webhooks, updated_at = EXCLUDED.updated_at`,
      [
        workspaceId,
        s.lookaheadDays,
        s.emails === null ? null : JSON.stringify(s.emails),
        JSON.stringify(s.webhooks),
        now,
      ],
    );
  }

  /** Sets (or with null clears) a channel's mute and drops mutes that have expired. */
  async setMute(
    m: EntityManager,
    workspaceId: string,
    channelId: string,
    until: Date | null,
    now: Date,
  ): Promise<void> {
    await m.query(
      `INSERT INTO alert_settings AS s (workspace_id, mutes, updated_at)
       VALUES ($1, CASE WHEN $3::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object($2::text, $3::text) END, $4)
       ON CONFLICT (workspace_id) DO UPDATE SET
         mutes = COALESCE((SELECT jsonb_object_agg(k, v) FROM jsonb_each_text(s.mutes) AS e(k, v)
                            WHERE k <> $2 AND v::timestamptz > $4), '{}'::jsonb)
                 || CASE WHEN $3::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object($2::text, $3::text) END,
         updated_at = $4`,
      [workspaceId, channelId, until ? until.toISOString() : null, now],
    );
  }
}

export type { AlertDeliveryEntity };
