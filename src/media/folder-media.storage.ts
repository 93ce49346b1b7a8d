import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { assertKey, MediaObjectMissingError, MediaStorage, StoredObject } from './media-storage';

/** Suffix of files being written; a file with it is never an object. */
const PARTIAL = '.partial';

/**
 * Media in a folder (MEDIA_DIR). Instances on one host (or sharing a volume) share it. An
 * object is written under a temporary name in its final folder and renamed into place:
 * rename is atomic within a filesystem, so a reader sees the whole file or none, and a crash
 * leaves only a `.partial` file that no key names (swept at start, see MediaService).
 */
export class FolderMediaStorage extends MediaStorage {
  constructor(private readonly root: string) {
    super();
  }

  private pathOf(key: string): string {
    assertKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, fromFile: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    const partial = `${target}.${randomUUID()}${PARTIAL}`;
    try {
      try {
        await rename(fromFile, partial);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        await copyFile(fromFile, partial);
        await unlink(fromFile);
      }
      await rename(partial, target);
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
  }

  async open(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    try {
      await stat(path);
    } catch {
      throw new MediaObjectMissingError(key);
    }
    return createReadStream(path);
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, bytes: s.size, modifiedAt: s.mtime } : null;
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const start = join(this.root, ...prefix.split('/').slice(0, -1));
    yield* this.walk(start, prefix);
  }

  private async *walk(dir: string, prefix: string): AsyncIterable<StoredObject> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const key = relative(this.root, path).split(sep).join('/');
      if (entry.isDirectory()) {
        // Only folders on the way to the prefix, or inside it.
        if (prefix.startsWith(`${key}/`) || key.startsWith(prefix)) yield* this.walk(path, prefix);
        continue;
      }
      // Names are compared before anything is read: a prefix of one item costs one readdir.
      if (!entry.isFile() || entry.name.endsWith(PARTIAL) || !key.startsWith(prefix)) continue;
      const s = await stat(path).catch(() => null);
      if (s) yield { key, bytes: s.size, modifiedAt: s.mtime };
    }
  }
}
