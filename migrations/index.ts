import { Initial1795397989777 } from './1795397989777-initial';
import { Alerts1795399342500 } from './1795399342500-alerts';
import { ChangeNotifications1795399343600 } from './1795399343600-change-notifications';
import { FailedPostsIndex1795399348110 } from './1795399348110-failed-posts-index';
import { Feeds1795399341705 } from './1795399341705-feeds';
import { PostPlanRevisions1795400000000 } from './1795400000000-post-plan-revisions';
import { Media1795400200000 } from './1795400200000-media';
import { Publishing1795399340830 } from './1795399340830-publishing';
import { ThrottlingIdempotency1795400100000 } from './1795400100000-throttling-idempotency';

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
  Media1795400200000,
];
