import { SessionEntity } from './accounts/session.entity';
import { UserTokenEntity } from './accounts/user-token.entity';
import { UserEntity } from './accounts/user.entity';
import { AlertDeliveryEntity, AlertEntity, AlertSettingsEntity } from './alerts/alert.entity';
import { AuditEventEntity } from './audit/audit-event.entity';
import { ChannelEntity } from './channels/channel.entity';
import { FeedEntity } from './feeds/feed.entity';
import { IdempotencyKeyEntity } from './idempotency/idempotency-key.entity';
import { LinkClickEntity, TrackedLinkEntity } from './links/tracked-link.entity';
import { MediaEntity } from './media/media.entity';
import { PostPlanRevisionEntity } from './posts/post-plan-revision.entity';
import { PostEntity } from './posts/post.entity';
import { PostMediaUploadEntity } from './publishing/post-media-upload.entity';
import { ThrottleCounterEntity } from './throttle/throttle-counter.entity';
import { ApiTokenEntity } from './workspaces/api-token.entity';
import { CategoryEntity } from './workspaces/category.entity';
import { InvitationEntity } from './people/invitation.entity';
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
  PostMediaUploadEntity,
  UserEntity,
  SessionEntity,
  UserTokenEntity,
  ApiTokenEntity,
  InvitationEntity,
  MediaEntity,
  TrackedLinkEntity,
  LinkClickEntity,
];
