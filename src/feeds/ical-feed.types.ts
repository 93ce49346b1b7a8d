/**
 * Plain data the iCal feed renderer works on. The feed service maps entities to these
 * shapes; the renderer knows nothing about the database or Nest.
 */

/** A post's lifecycle state (see the domain brief). */
export type FeedPostStatus =
  'draft' | 'in_review' | 'approved' | 'scheduled' | 'publishing' | 'published' | 'failed' | 'cancelled';

/** One planned publication, rendered as one VEVENT. */
export interface FeedEventPost {
  id: string;
  channelId: string;
  channelName: string;
  /** IANA zone of the channel; informative only: events are written in UTC. */
  channelZone: string;
  body: string;
  title?: string | null;
  link?: string | null;
  /** Category key (e.g. `promotional`). */
  category: string;
  /** Human name of the category; preferred over the key when given. */
  categoryName?: string;
  status: FeedPostStatus;
  scheduledAt: Date;
  /** Grows each time the post is moved or edited in a way subscribers should see. */
  sequence: number;
  createdAt: Date;
  updatedAt: Date;
  /** URL of the published post on its platform (used only once published). */
  externalUrl?: string | null;
  /** Sentences describing the rules the post breaks. */
  violations?: string[];
}

/** A stretch of time in which a channel has no post although its cadence asks for one. */
export interface FeedGap {
  channelId: string;
  channelName: string;
  from: Date;
  to: Date;
  /** e.g. `planned_gap` or `inactivity`. */
  kind: string;
}

/** Everything one feed document contains. */
export interface FeedCalendar {
  name: string;
  description?: string;
  /** Host name used on the right of every UID (`post-<id>@<host>`), e.g. `palinsesto.example.com`. */
  host: string;
  /** Becomes the DTSTAMP of every event. */
  generatedAt: Date;
  /** Rendered in the order given: pass them sorted for a stable document (and ETag). */
  posts: FeedEventPost[];
  gaps?: FeedGap[];
}
