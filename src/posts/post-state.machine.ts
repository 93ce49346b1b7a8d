/**
 * The post lifecycle, in one place:
 *
 *   draft -> in_review -> approved -> scheduled -> publishing -> published | failed
 *   cancelled from any state before publishing.
 *
 * Channels without approval (approvalRequired: false) may schedule straight from draft.
 * Publishing moves (claim, publish, retry, release, fail) belong to the dispatcher and are
 * listed here too, so that no other file decides which state follows which: the
 * dispatcher's statements (post-dispatch.repository.ts) are built from `moveOf`.
 */
export type PostStatus =
  'draft' | 'in_review' | 'approved' | 'scheduled' | 'publishing' | 'published' | 'failed' | 'cancelled';

/** Every state by name, for code (and SQL) that names one: `POST_STATUS.scheduled`. */
export const POST_STATUS = {
  draft: 'draft',
  in_review: 'in_review',
  approved: 'approved',
  scheduled: 'scheduled',
  publishing: 'publishing',
  published: 'published',
  failed: 'failed',
  cancelled: 'cancelled',
} as const satisfies { [S in PostStatus]: S };

export const POST_STATUSES: readonly PostStatus[] = Object.values(POST_STATUS);

export type PostAction =
  | 'submit'
  | 'approve'
  | 'reject'
  | 'schedule'
  | 'unschedule'
  | 'cancel'
  | 'edit'
  | 'delete'
  | 'claim'
  | 'publish'
  | 'retry'
  | 'release'
  | 'fail';

export interface TransitionContext {
  approvalRequired: boolean;
}

/** States a post may be in for an action, and the state it moves to (null: unchanged). */
const TRANSITIONS: Record<PostAction, { from: readonly PostStatus[]; to: PostStatus | null }> = {
  submit: { from: ['draft'], to: 'in_review' },
  approve: { from: ['in_review'], to: 'approved' },
  reject: { from: ['in_review'], to: 'draft' },
  schedule: { from: ['approved', 'scheduled'], to: 'scheduled' },
  unschedule: { from: ['scheduled'], to: 'approved' },
  cancel: { from: ['draft', 'in_review', 'approved', 'scheduled'], to: 'cancelled' },
  edit: { from: ['draft', 'in_review', 'approved', 'scheduled'], to: null },
  delete: { from: ['draft', 'in_review', 'approved', 'scheduled', 'failed', 'cancelled'], to: null },
  claim: { from: ['scheduled', 'publishing'], to: 'publishing' },
  publish: { from: ['publishing'], to: 'published' },
  retry: { from: ['publishing'], to: 'scheduled' },
  /** A claimed post handed back before it reached the platform: the attempt does not count. */
  release: { from: ['publishing'], to: 'scheduled' },
  fail: { from: ['publishing'], to: 'failed' },
};

function allowedFrom(action: PostAction, ctx: TransitionContext): readonly PostStatus[] {
  const { from } = TRANSITIONS[action];
  if (action === 'schedule' && !ctx.approvalRequired) return [...from, 'draft', 'in_review'];
  return from;
}

export function canTransition(status: PostStatus, action: PostAction, ctx: TransitionContext): boolean {
  return allowedFrom(action, ctx).includes(status);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly status: PostStatus,
    readonly action: PostAction,
    readonly allowed: readonly PostStatus[],
  ) {
    super(
      `A ${status.replace('_', ' ')} post cannot be ${PAST[action]}` +
        (allowed.length ? `; only a post that is ${allowed.map((s) => s.replace('_', ' ')).join(', ')} can.` : '.'),
    );
    this.name = 'IllegalTransitionError';
  }
}

const PAST: Record<PostAction, string> = {
  submit: 'submitted for review',
  approve: 'approved',
  reject: 'sent back to draft',
  schedule: 'scheduled',
  unschedule: 'unscheduled',
  cancel: 'cancelled',
  edit: 'edited',
  delete: 'deleted',
  claim: 'claimed for publishing',
  publish: 'marked published',
  retry: 'retried',
  release: 'handed back unpublished',
  fail: 'marked failed',
};

/**
 * A move that changes the state, as the statements that make it in SQL need it: the states
 * it starts from and the one it ends in (the table above; `schedule`'s widening for
 * channels without approval is a use case's, not a statement's).
 */
export interface PostMove {
  from: readonly PostStatus[];
  to: PostStatus;
}

export function moveOf(action: PostAction): PostMove {
  const { from, to } = TRANSITIONS[action];
  if (to === null) throw new Error(`${action} leaves the state as it is: it is no move`);
  return { from, to };
}

/** The state after the action, or IllegalTransitionError. */
export function transition(status: PostStatus, action: PostAction, ctx: TransitionContext): PostStatus {
  const allowed = allowedFrom(action, ctx);
  if (!allowed.includes(status)) throw new IllegalTransitionError(status, action, allowed);
  return TRANSITIONS[action].to ?? status;
}

/** States whose posts occupy the channel's plan (rules, calendar mix, gaps). */
export const PLANNED_STATUSES: readonly PostStatus[] = [
  POST_STATUS.scheduled,
  POST_STATUS.publishing,
  POST_STATUS.published,
];

/**
 * Editing the content of an approved or scheduled post on a channel that requires
 * approval sends it back to review, unless a lead edits it: what goes out is what a
 * lead approved.
 */
export function statusAfterContentEdit(status: PostStatus, ctx: TransitionContext, byLead: boolean): PostStatus {
  if (!ctx.approvalRequired || byLead) return status;
  return status === 'approved' || status === 'scheduled' ? 'in_review' : status;
}
