import type { Readable } from 'node:stream';

/** What a store knows about one stored object. */
export interface StoredObject {
  key: string;
  bytes: number;
  modifiedAt: Date;
}

/**
 * Where media files live: a folder (folder-media.storage.ts) or S3-compatible object storage
 * (s3-media.storage.ts); both pass the same contract tests (test/integration/media-storage).
 * Keys are `media/<id>` style paths of [a-z0-9._/-] made by the service, never from a
 * user's file name.
 */
export abstract class MediaStorage {
  /**
   * Stores the file at `fromFile` under `key`, whole or not at all (a reader never sees a
   * half-written object, a crash leaves none). Takes the file over: it is moved or deleted.
   */
  abstract put(key: string, fromFile: string, contentType: string): Promise<void>;
  /** The object's bytes; rejects with MediaObjectMissingError when there is none. */
  abstract open(key: string): Promise<Readable>;
  /** The object's size and time, or null when there is none. */
  abstract stat(key: string): Promise<StoredObject | null>;
  /** Deletes the object; deleting one that is not there is not an error. */
  abstract delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix` (for the orphan sweep). */
  abstract list(prefix: string): AsyncIterable<StoredObject>;
}

export class MediaObjectMissingError extends Error {
  constructor(readonly key: string) {
    super(`No stored media object ${key}`);
    this.name = 'MediaObjectMissingError';
  }
}

const KEY = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/** Keys are made by the service; this refuses anything else (a path that climbs out, say). */
export function assertKey(key: string): void {
  if (!KEY.test(key) || key.includes('..') || key.length > 300) throw new Error(`not a media storage key: ${key}`);
}
