import { Initial1795397989777 } from './1795397989777-initial';
import { Alerts1795399342500 } from './1795399342500-alerts';
import { ChangeNotifications1795399343600 } from './1795399343600-change-notifications';
import { FailedPostsIndex1795399348110 } from './1795399348110-failed-posts-index';
import { Feeds1795399341705 } from './1795399341705-feeds';
import { People1795400400000 } from './1795400400000-people';
import { PostMetrics1795400600000 } from './1795400600000-post-metrics';
import { PostPlanRevisions1795400000000 } from './1795400000000-post-plan-revisions';
import { LeaseRenewals1795400150000 } from './1795400150000-lease-renewals';
import { Media1795400200000 } from './1795400200000-media';
import { ChannelConnections1795400500000 } from './1795400500000-channel-connections';
import { PostMediaUploads1795400300000 } from './1795400300000-post-media-uploads';
import { Publishing1795399340830 } from './1795399340830-publishing';
import { ThrottlingIdempotency1795400100000 } from './1795400100000-throttling-idempotency';
import { TrackedLinks1795400700000 } from './1795400700000-tracked-links';

/** Every migration, in order. */
export const MIGRATIONS = [
  Initial1795397989777,
  Publishing1795399340830,
  Feeds1795399341705,
  Alerts1795399342500,
  ChangeNotifications1795399343600,
  FailedPostsIndex1795399348110,
  PostPlanRevisions1795400000000,
  ThrottlingIdempotency1795400100000,
  LeaseRenewals1795400150000,
  Media1795400200000,
  PostMediaUploads1795400300000,
  People1795400400000,
  ChannelConnections1795400500000,
  PostMetrics1795400600000,
  TrackedLinks1795400700000,
];
