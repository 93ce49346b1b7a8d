import { SetMetadata } from '@nestjs/common';
import type { Role } from './actor';

export const PUBLIC_ROUTE = 'palinsesto:public';
export const MIN_ROLE = 'palinsesto:min-role';

/** No api key needed (health, metrics, signup, iCal feeds). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The least role that may call the route: lead > editor > viewer. */
export const Roles = (atLeast: Role) => SetMetadata(MIN_ROLE, atLeast);

export const USER_ROUTE = 'palinsesto:user-route';

/** Needs a signed-in user (cookie or api key) but no workspace (GET /v1/me, tokens, sign-out). */
export const UserRoute = () => SetMetadata(USER_ROUTE, true);
