import { Initial1795397263431 } from './1795397263431-initial';

/** Every migration, in order. */
export const MIGRATIONS = [Initial1795397263431];
