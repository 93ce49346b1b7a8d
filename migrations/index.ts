import { Initial1795397989777 } from './1795397989777-initial';

/** Every migration, in order. */
export const MIGRATIONS = [Initial1795397989777];
