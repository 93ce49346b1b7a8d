/**
 * States of the post lifecycle (post-state.machine.ts) as SQL literals, so that a
 * statement names a state through the state machine's constants and never by a string of
 * its own. Dependency-free, like posts.queries.ts.
 */
import { POST_STATUSES, type PostStatus } from './post-state.machine';

/** `'scheduled'`: a state as an SQL string literal. */
export function sqlStatus(status: PostStatus): string {
  // States are lower-case words (the state machine's own list): quoting is all it takes.
  if (!POST_STATUSES.includes(status) || !/^[a-z_]+$/.test(status))
    throw new Error(`not a post state: ${String(status)}`);
  return `'${status}'`;
}

/** `('scheduled', 'publishing')`: states as an SQL list, for `status IN ...`. */
export function sqlStatusList(statuses: readonly PostStatus[]): string {
  if (statuses.length === 0) throw new Error('an empty list of post states');
  return `(${statuses.map(sqlStatus).join(', ')})`;
}

/**
 * `status = 'publishing'` for one state, `status IN (...)` for more: the condition that a
 * post is in one of `statuses` (a move's `from`), on `column`.
 */
export function sqlStatusIn(column: string, statuses: readonly PostStatus[]): string {
  return statuses.length === 1 ? `${column} = ${sqlStatus(statuses[0])}` : `${column} IN ${sqlStatusList(statuses)}`;
}
