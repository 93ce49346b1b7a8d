import type { EntityManager } from 'typeorm';

/**
 * Which media items posts use. The media module needs it (a delete answers 409 while a post
 * that is not yet published uses the item; retention keeps what any post uses) but posts
 * import media, not the other way: media states what it needs, PostsModule provides it
 * (as auth's ActorResolver is provided by workspaces), and app.module.ts names the provider
 * module in MediaApiModule.forRoot(PostsModule).
 */
export abstract class MediaUsage {
  /** Of these ids, those that a post not yet published (draft ... publishing, failed) uses. */
  abstract inUseBy(mediaIds: string[], m?: EntityManager): Promise<Set<string>>;
  /** Of these ids, those that any post uses, whatever its status. */
  abstract referenced(mediaIds: string[], m?: EntityManager): Promise<Set<string>>;
}
