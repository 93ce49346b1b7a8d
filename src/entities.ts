import { AlertDeliveryEntity, AlertEntity, AlertSettingsEntity } from './alerts/alert.entity';
import { AuditEventEntity } from './audit/audit-event.entity';
import { ChannelEntity } from './channels/channel.entity';
import { FeedEntity } from './feeds/feed.entity';
import { IdempotencyKeyEntity } from './idempotency/idempotency-key.entity';
import { MediaEntity } from './media/media.entity';
import { PostPlanRevisionEntity } from './posts/post-plan-revision.entity';
import { PostEntity } from './posts/post.entity';
import { ThrottleCounterEntity } from './throttle/throttle-counter.entity';
import { CategoryEntity } from './workspaces/category.entity';
import { MemberEntity } from './workspaces/member.entity';
import { WorkspaceEntity } from './workspaces/workspace.entity';

/** Every entity, listed explicitly (no globs: the same list works compiled and under jest). */
export const ENTITIES = [
  WorkspaceEntity,
  MemberEntity,
  CategoryEntity,
  ChannelEntity,
  PostEntity,
  AuditEventEntity,
  FeedEntity,
  PostPlanRevisionEntity,
  AlertEntity,
  AlertDeliveryEntity,
  AlertSettingsEntity,
  ThrottleCounterEntity,
  IdempotencyKeyEntity,
  MediaEntity,
];
