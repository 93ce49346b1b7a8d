import { Initial1795397804030 } from './1795397804030-initial';

/** Every migration, in order. */
export const MIGRATIONS = [Initial1795397804030];
