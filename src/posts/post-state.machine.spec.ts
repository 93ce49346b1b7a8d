import {
  canTransition,
  IllegalTransitionError,
  moveOf,
  POST_STATUS,
  POST_STATUSES,
  PostAction,
  PostStatus,
  statusAfterContentEdit,
  transition,
} from './post-state.machine';

const withApproval = { approvalRequired: true };
const withoutApproval = { approvalRequired: false };

describe('post state machine', () => {
  it('walks the approval path draft -> in_review -> approved -> scheduled', () => {
    let s: PostStatus = 'draft';
    s = transition(s, 'submit', withApproval);
    expect(s).toBe('in_review');
    s = transition(s, 'approve', withApproval);
    expect(s).toBe('approved');
    s = transition(s, 'schedule', withApproval);
    expect(s).toBe('scheduled');
  });

  it('refuses to schedule a draft when the channel requires approval', () => {
    expect(() => transition('draft', 'schedule', withApproval)).toThrow(IllegalTransitionError);
    expect(() => transition('in_review', 'schedule', withApproval)).toThrow(/only a post that is approved, scheduled/);
  });

  it('schedules a draft directly when the channel needs no approval', () => {
    expect(transition('draft', 'schedule', withoutApproval)).toBe('scheduled');
  });

  it('allows cancel from every state before publishing and from none after', () => {
    const before: PostStatus[] = ['draft', 'in_review', 'approved', 'scheduled'];
    for (const s of POST_STATUSES) {
      expect(canTransition(s, 'cancel', withApproval)).toBe(before.includes(s));
    }
  });

  it('never lets a publishing, published or cancelled post be edited or rescheduled', () => {
    const actions: PostAction[] = ['edit', 'schedule', 'submit', 'approve', 'unschedule'];
    for (const s of ['publishing', 'published', 'cancelled'] as PostStatus[]) {
      for (const a of actions) {
        expect(canTransition(s, a, withoutApproval)).toBe(false);
      }
    }
  });

  it('keeps publishing moves for the dispatcher only from publishing', () => {
    expect(transition('publishing', 'publish', withApproval)).toBe('published');
    expect(transition('publishing', 'fail', withApproval)).toBe('failed');
    expect(transition('publishing', 'retry', withApproval)).toBe('scheduled');
    expect(() => transition('scheduled', 'publish', withApproval)).toThrow(IllegalTransitionError);
  });

  it('releases a claimed post back to scheduled (no attempt counted), and nothing else', () => {
    expect(transition('publishing', 'release', withApproval)).toBe('scheduled');
    for (const s of POST_STATUSES.filter((x) => x !== 'publishing')) {
      expect(canTransition(s, 'release', withoutApproval)).toBe(false);
    }
    expect(() => transition('scheduled', 'release', withApproval)).toThrow(
      'A scheduled post cannot be handed back unpublished; only a post that is publishing can.',
    );
  });

  it("gives the dispatcher's statements their moves from the table", () => {
    expect(moveOf('claim')).toEqual({ from: ['scheduled', 'publishing'], to: 'publishing' });
    expect(moveOf('publish')).toEqual({ from: ['publishing'], to: 'published' });
    expect(moveOf('retry')).toEqual({ from: ['publishing'], to: 'scheduled' });
    expect(moveOf('release')).toEqual({ from: ['publishing'], to: 'scheduled' });
    expect(moveOf('fail')).toEqual({ from: ['publishing'], to: 'failed' });
    // Edits and deletions keep (or end) the state: no statement sets a state for them.
    expect(() => moveOf('edit')).toThrow(/no move/);
    expect(POST_STATUSES).toEqual(Object.keys(POST_STATUS));
  });

  it('explains an illegal move in words', () => {
    expect(() => transition('published', 'cancel', withApproval)).toThrow(
      'A published post cannot be cancelled; only a post that is draft, in review, approved, scheduled can.',
    );
  });

  it('sends an edited approved post back to review unless a lead edits it', () => {
    expect(statusAfterContentEdit('scheduled', withApproval, false)).toBe('in_review');
    expect(statusAfterContentEdit('approved', withApproval, false)).toBe('in_review');
    expect(statusAfterContentEdit('scheduled', withApproval, true)).toBe('scheduled');
    expect(statusAfterContentEdit('scheduled', withoutApproval, false)).toBe('scheduled');
    expect(statusAfterContentEdit('draft', withApproval, false)).toBe('draft');
  });
});
