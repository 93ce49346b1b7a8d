import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { ChannelEntity } from '../channels/channel.entity';
import { WorkspaceEntity } from '../workspaces/workspace.entity';

export type AlertKind =
  'planned_gap' | 'inactivity' | 'under_cadence' | 'publish_failed' | 'connection_broken' | 'kpi_missed';
export const ALERT_KINDS: readonly AlertKind[] = [
  'planned_gap',
  'inactivity',
  'under_cadence',
  'publish_failed',
  'connection_broken',
  'kpi_missed',
];
export const GAP_KINDS: readonly AlertKind[] = ['planned_gap', 'inactivity', 'under_cadence'];
/** Gaps in the future calendar: delivered only once they persisted for ALERT_SETTLE_MS. */
export const SETTLING_KINDS: readonly AlertKind[] = ['planned_gap', 'under_cadence'];

/**
 * Why an alert closed. `filled` and `handled` are delivered as a resolution to whoever got
 * the alert; the others close it silently: `escalated` (the planned gap became inactivity,
 * which is a new alert), `lapsed` (the week is over), `not_applicable` (channel archived or
 * its cadence rules removed).
 */
export type AlertResolution = 'filled' | 'handled' | 'escalated' | 'lapsed' | 'not_applicable';

export interface AlertDetails {
  /** The cadence rule the alert is about. */
  maxGapHours?: number;
  postsPerWeek?: number;
  /** under_cadence: posts planned in the week. */
  planned?: number;
  /** The gap runs to the end of the lookahead: no post is planned after it. */
  open?: boolean;
  /** The channel has no post at all: the gap starts at the channel's creation. */
  sinceCreation?: boolean;
  /** publish_failed */
  reason?: string;
  lastError?: string;
  attempts?: number;
  postIds?: string[];
  /** connection_broken: what the check found (never a credential). */
  problem?: string;
  platform?: string;
  /** kpi_missed: the KPI, its periods missed in a row and the last one's actual. */
  kpi?: { metric: string; period: string; target: number; alertAfter: number };
  missedInARow?: number;
  lastActual?: number | null;
}

/**
 * One gap (or failed publication) of one channel. Its natural key (workspace, channel,
 * kind, start) makes every scanning instance find the same row; `occurrence` counts
 * re-openings of the same key, so that a gap that comes back is delivered again.
 */
@Entity({ name: 'alerts' })
@Index('alerts_natural_key', ['workspaceId', 'channelId', 'kind', 'startsAt'], { unique: true })
@Index('alerts_workspace_opened_at', ['workspaceId', 'openedAt', 'id'])
@Index('alerts_open_by_channel', ['channelId'], { where: 'resolved_at IS NULL' })
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ type: 'text' })
  kind: AlertKind;

  @Column({ name: 'starts_at', type: 'timestamptz', precision: 3 })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'timestamptz', precision: 3 })
  endsAt: Date;

  /** The post the gap starts on, or the post that failed. */
  @Column({ name: 'post_id', type: 'uuid', nullable: true })
  postId: string | null;

  @Column({ type: 'text' })
  message: string;

  @Column({ type: 'jsonb', default: {} })
  details: AlertDetails;

  @Column({ type: 'integer', default: 1 })
  occurrence: number;

  @Column({ name: 'opened_at', type: 'timestamptz', precision: 3 })
  openedAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', precision: 3, nullable: true })
  resolvedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  resolution: AlertResolution | null;

  /** Planned gaps: the occurrence whose deliveries were queued once it settled (ALERT_SETTLE_MS). */
  @Column({ name: 'announced_occurrence', type: 'integer', nullable: true })
  announcedOccurrence: number | null;
}

export type DeliveryEvent = 'opened' | 'resolved';
export type DeliveryState = 'pending' | 'delivered' | 'cancelled';

/**
 * The outbox: one row per alert, destination (`email:<address>` or `webhook:<url>`), event
 * and occurrence. Claimed with FOR UPDATE SKIP LOCKED under a lease, sent, then marked
 * delivered (fenced on the claim) or retried with backoff.
 */
@Entity({ name: 'alert_deliveries' })
@Index('alert_deliveries_once', ['alertId', 'destination', 'event', 'occurrence'], { unique: true })
@Index('alert_deliveries_due', ['nextAttemptAt'], { where: `state = 'pending'` })
export class AlertDeliveryEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'alert_id', type: 'uuid' })
  alertId: string;

  @ManyToOne(() => AlertEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'alert_id' })
  alert?: AlertEntity;

  @Column({ type: 'text' })
  destination: string;

  @Column({ type: 'text' })
  event: DeliveryEvent;

  @Column({ type: 'integer' })
  occurrence: number;

  @Column({ type: 'text', default: 'pending' })
  state: DeliveryState;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', precision: 3 })
  nextAttemptAt: Date;

  @Column({ name: 'claim_id', type: 'uuid', nullable: true })
  claimId: string | null;

  @Column({ name: 'claimed_until', type: 'timestamptz', precision: 3, nullable: true })
  claimedUntil: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', precision: 3, nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}

/** A webhook destination; the secret is stored encrypted and never returned. */
export interface StoredWebhook {
  url: string;
  secretCiphertext: string | null;
}

export const DEFAULT_LOOKAHEAD_DAYS = 14;

/** Per-workspace alert settings; a workspace without a row has the defaults. */
@Entity({ name: 'alert_settings' })
export class AlertSettingsEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  @Column({ name: 'lookahead_days', type: 'integer', default: DEFAULT_LOOKAHEAD_DAYS })
  lookaheadDays: number;

  /** null: the workspace's active leads, looked up when an alert opens. */
  @Column({ type: 'jsonb', nullable: true })
  emails: string[] | null;

  @Column({ type: 'jsonb', default: [] })
  webhooks: StoredWebhook[];

  /** channel id -> ISO instant until which the channel's alerts are not delivered. */
  @Column({ type: 'jsonb', default: {} })
  mutes: Record<string, string>;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
