import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import type { EntityManager } from 'typeorm';
import { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/domain-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { mapMedia, MediaResponse, MediaUpdateDto, toMediaItem } from './dto/media.dto';
import { fitImage, MediaRejection, probeVideo, processImage } from './media-probe';
import { MediaStorage } from './media-storage';
import type { ReceivedFile } from './media-upload.receiver';
import { rejectionError } from './media-upload.receiver';
import { MediaEntity } from './media.entity';
import { MediaMetrics } from './media.metrics';
import { MediaRepository } from './media.repository';
import type { MediaFile, MediaItem } from './media.types';

/** Temporary files older than this at start are leftovers of a crash (another instance's are younger). */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

export const originalKey = (id: string) => `media/${id}`;
export const thumbnailKey = (id: string) => `media/${id}.thumb.webp`;
export const fittedKey = (id: string, maxBytes: number) => `media/${id}.fit-${maxBytes}`;

/** A media reference of a post: an item of the library, its alt text for this post. */
export interface MediaRef {
  id: string;
  alt?: string;
}

/**
 * The media library's use cases that need nothing of posts (PostsModule imports this), and
 * the API other modules integrate against: describe, resolve, open, signedUrl.
 */
@Injectable()
export class MediaService implements OnModuleInit {
  private readonly logger = new Logger('Media');
  private readonly urlKey: Buffer;
  readonly tmpDir: string;

  constructor(
    private readonly repository: MediaRepository,
    private readonly storage: MediaStorage,
    private readonly metrics: MediaMetrics,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // A key of its own, derived from SECRET_KEY (as the credentials cipher's is): a leaked
    // media link key tells nothing about the credentials key, and every instance derives the same.
    this.urlKey = createHmac('sha256', config.secretKey ?? 'palinsesto-dev-secret')
      .update('palinsesto/media-links/v1')
      .digest();
    this.tmpDir = join(config.mediaDir, '.tmp');
  }

  /** Leftover temporary files of a crashed upload (older than an hour: files' own clock) are removed. */
  async onModuleInit(): Promise<void> {
    const names = await readdir(this.tmpDir).catch(() => [] as string[]);
    // File times come from the filesystem's clock, not the injected Clock: compare like with like.
    const before = Date.now() - LEFTOVER_AGE_MS;
    for (const name of names) {
      const path = join(this.tmpDir, name);
      const s = await stat(path).catch(() => null);
      if (s?.isFile() && s.mtimeMs < before) await rm(path, { force: true });
    }
  }

  limits() {
    return { tmpDir: this.tmpDir, maxBytes: this.config.mediaMaxBytes, maxImageBytes: this.config.mediaMaxImageBytes };
  }

  assertOwn(actor: Actor, workspaceId: string): void {
    if (actor.workspaceId !== workspaceId) throw DomainError.notFound('Workspace');
  }

  /**
   * Stores a received file as an item of the workspace (the temporary file is consumed):
   * read (type, size, duration), images re-encoded without metadata with a thumbnail, the
   * files stored whole, then the row. The same bytes again answer the existing item
   * (`created: false`). Rejections are 4xx problems; nothing is left behind.
   */
  async ingest(
    actor: Actor,
    workspaceId: string,
    file: ReceivedFile,
    alt: string | undefined,
  ): Promise<{ item: MediaResponse; created: boolean }> {
    const extra: string[] = [];
    try {
      const existing = await this.repository.findBySha256(workspaceId, file.sha256);
      if (existing) return { item: mapMedia(existing), created: false };
      const id = randomUUID();
      const endProcessing = this.metrics.processing.startTimer({ kind: file.kind });
      let stored = file.path;
      let thumb: string | null = null;
      let dims: { width: number | null; height: number | null; durationMs: number | null; codec: string | null };
      if (file.kind === 'image') {
        stored = `${file.path}.stored`;
        thumb = `${file.path}.thumb`;
        extra.push(stored, thumb);
        const image = await processImage(file.path, file.mimeType, stored, thumb);
        dims = { ...image, durationMs: null, codec: null };
      } else {
        dims = await probeVideo(file.path);
      }
      endProcessing();
      const bytes = (await stat(stored)).size;
      await this.storage.put(originalKey(id), stored, file.mimeType);
      if (thumb) await this.storage.put(thumbnailKey(id), thumb, 'image/webp');
      const row = Object.assign(new MediaEntity(), {
        id,
        workspaceId,
        kind: file.kind,
        mimeType: file.mimeType,
        bytes,
        ...dims,
        alt: (alt ?? '').trim(),
        focusX: 0,
        focusY: 0,
        sha256: file.sha256,
        storageKey: originalKey(id),
        thumbnailKey: thumb ? thumbnailKey(id) : null,
        createdBy: actor.memberId,
        createdAt: this.clock.now(),
        updatedAt: this.clock.now(),
      });
      const inserted = await this.repository.transaction(async (m) => {
        if (!(await this.repository.insert(m, row))) return false;
        await this.audit.record(
          actor,
          { action: 'media.create', entityType: 'media', entityId: id, details: { mimeType: file.mimeType, bytes } },
          m,
        );
        return true;
      });
      if (!inserted) {
        // The same file, uploaded at the same time: the other upload's item stands.
        await this.deleteFiles(id);
        const other = await this.repository.findBySha256(workspaceId, file.sha256);
        if (other) return { item: mapMedia(other), created: false };
        throw new Error('media insert ignored without a duplicate');
      }
      return { item: mapMedia((await this.repository.findById(id))!), created: true };
    } catch (e) {
      throw e instanceof MediaRejection ? rejectionError(e) : e;
    } finally {
      await Promise.all([file.path, ...extra].map((p) => rm(p, { force: true })));
    }
  }

  async get(actor: Actor, id: string): Promise<MediaResponse> {
    return mapMedia(await this.find(actor.workspaceId, id));
  }

  async list(
    actor: Actor,
    workspaceId: string,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<Page<MediaResponse>> {
    this.assertOwn(actor, workspaceId);
    const after = decodeCursor<{ createdAt: string; id: string }>(cursor, ['createdAt', 'id']);
    const rows = await this.repository.list(workspaceId, { limit, after });
    return toPage(rows, limit, mapMedia, (x) => ({ createdAt: x.createdAt.toISOString(), id: x.id }));
  }

  async update(actor: Actor, id: string, dto: MediaUpdateDto): Promise<MediaResponse> {
    await this.find(actor.workspaceId, id);
    const changes = {
      ...(dto.alt !== undefined ? { alt: dto.alt.trim() } : {}),
      ...(dto.focus ? { focusX: dto.focus.x, focusY: dto.focus.y } : {}),
    };
    if (Object.keys(changes).length > 0) {
      await this.repository.transaction(async (m) => {
        await this.repository.update(m, actor.workspaceId, id, { ...changes, updatedAt: this.clock.now() });
        await this.audit.record(
          actor,
          { action: 'media.update', entityType: 'media', entityId: id, details: { changed: Object.keys(changes) } },
          m,
        );
      });
    }
    return mapMedia(await this.find(actor.workspaceId, id));
  }

  /** A stored file (original or thumbnail) of an item of the caller's workspace. */
  async openForActor(actor: Actor, id: string, which: 'file' | 'thumbnail'): Promise<MediaFile> {
    const item = await this.find(actor.workspaceId, id);
    if (which === 'thumbnail') {
      if (!item.thumbnailKey)
        throw new DomainError(ErrorCode.NotFound, 'This item has no thumbnail (videos have none).');
      const s = await this.storage.stat(item.thumbnailKey);
      if (!s) throw DomainError.notFound('Media file');
      return { stream: await this.storage.open(item.thumbnailKey), bytes: s.bytes, mimeType: 'image/webp' };
    }
    return this.openItem(item);
  }

  // ---- the API of other modules ----

  /**
   * The items `ids` of the workspace, in the order given (a repeated id repeats). Throws a
   * 422 problem naming the ids that are not items of this workspace (unknown, or another's).
   * With `m` (a transaction), the rows stay locked against deletion until it ends.
   */
  async describe(workspaceId: string, ids: string[], m?: EntityManager): Promise<MediaItem[]> {
    const rows = await this.repository.findManyInWorkspace(workspaceId, [...new Set(ids)], m);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const unknown = [...new Set(ids.filter((id) => !byId.has(id)))];
    if (unknown.length > 0) {
      const message = `No media item ${unknown.join(', ')} in this workspace: upload it to the media library first.`;
      throw new DomainError(ErrorCode.Unprocessable, message, {
        errors: [{ field: 'media', message }],
        unknownMediaIds: unknown,
      });
    }
    return ids.map((id) => toMediaItem(byId.get(id)!));
  }

  /** describe(), with each reference's own alt text (when not empty) in place of the library's. */
  async resolve(workspaceId: string, refs: MediaRef[], m?: EntityManager): Promise<MediaItem[]> {
    const items = await this.describe(
      workspaceId,
      refs.map((r) => r.id),
      m,
    );
    return items.map((item, i) => {
      const own = refs[i]!.alt?.trim();
      return own ? { ...item, alt: own } : item;
    });
  }

  /**
   * The bytes of an item (any workspace: for the publishing adapters, which hold the post's
   * workspace). With `maxBytes`, an image larger than that is re-encoded to fit (quality
   * steps, then smaller sizes), the copy cached in storage beside the original (kept). A
   * video larger than maxBytes is a 422 (it cannot be made smaller here).
   */
  async open(id: string, opts: { maxBytes?: number } = {}): Promise<MediaFile> {
    const item = await this.repository.findById(id);
    if (!item) throw DomainError.notFound('Media item');
    return this.openItem(item, opts.maxBytes);
  }

  /**
   * An absolute URL that serves the item's file without an api key until `ttlSeconds` from
   * now (for the webhook's receivers and platforms that fetch). Signed with a key derived
   * from SECRET_KEY; base: PUBLIC_URL, else http://localhost:<PORT>.
   */
  signedUrl(id: string, ttlSeconds: number, opts: { maxBytes?: number } = {}): string {
    const expires = Math.floor(this.clock.now().getTime() / 1000) + Math.max(1, Math.floor(ttlSeconds));
    const fit = opts.maxBytes ? String(Math.floor(opts.maxBytes)) : '';
    const query = new URLSearchParams({
      expires: String(expires),
      ...(fit ? { fit } : {}),
      sig: this.sign(id, expires, fit),
    });
    const base = this.config.publicUrl ?? `http://localhost:${this.config.port}`;
    return `${base}/v1/media-files/${id}?${query.toString()}`;
  }

  /** The file a signed URL names: 403 when the signature is wrong, 410 when its time is up. */
  async openSigned(id: string, query: { expires?: string; fit?: string; sig?: string }): Promise<MediaFile> {
    const expires = /^\d{1,12}$/.test(query.expires ?? '') ? Number(query.expires) : NaN;
    const fit = /^\d{1,12}$/.test(query.fit ?? '') ? query.fit! : query.fit === undefined ? '' : null;
    const given = Buffer.from(query.sig ?? '', 'base64url');
    if (Number.isNaN(expires) || fit === null) throw this.badSignature();
    const expected = Buffer.from(this.sign(id, expires, fit), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw this.badSignature();
    if (expires * 1000 <= this.clock.now().getTime()) {
      throw new DomainError(ErrorCode.LinkExpired, 'This media link has expired; ask for a new one.');
    }
    return this.open(id, fit ? { maxBytes: Number(fit) } : {});
  }

  async deleteFiles(id: string): Promise<void> {
    for await (const o of this.storage.list(`media/${id}`)) await this.storage.delete(o.key);
    await this.storage.delete(originalKey(id));
    await this.storage.delete(thumbnailKey(id));
  }

  private sign(id: string, expires: number, fit: string): string {
    return createHmac('sha256', this.urlKey).update(`${id}\n${expires}\n${fit}`).digest('base64url');
  }

  private badSignature(): DomainError {
    return new DomainError(ErrorCode.Forbidden, 'This media link is not valid (its signature does not match).');
  }

  private async find(workspaceId: string, id: string): Promise<MediaEntity> {
    const item = await this.repository.findInWorkspace(workspaceId, id);
    if (!item) throw DomainError.notFound('Media item');
    return item;
  }

  private async openItem(item: MediaEntity, maxBytes?: number): Promise<MediaFile> {
    const dims = {
      ...(item.width !== null ? { width: item.width } : {}),
      ...(item.height !== null ? { height: item.height } : {}),
    };
    if (maxBytes === undefined || item.bytes <= maxBytes) {
      return { stream: await this.storage.open(item.storageKey), bytes: item.bytes, mimeType: item.mimeType, ...dims };
    }
    if (item.kind !== 'image') {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `The video is ${item.bytes} bytes; at most ${maxBytes} bytes fit here, and videos are not re-encoded.`,
      );
    }
    const key = fittedKey(item.id, maxBytes);
    const cached = await this.storage.stat(key);
    if (cached) {
      const fitted = await this.readAll(await this.storage.open(key));
      const meta = await fitMeta(fitted);
      return { stream: Readable.from(fitted), bytes: fitted.length, ...meta };
    }
    const original = await this.readAll(await this.storage.open(item.storageKey));
    let fitted;
    try {
      fitted = await fitImage(original, item.mimeType, maxBytes);
    } catch (e) {
      throw e instanceof MediaRejection ? rejectionError(e) : e;
    }
    const tmp = join(this.tmpDir, `${randomUUID()}.fit`);
    await mkdir(this.tmpDir, { recursive: true });
    await writeFile(tmp, fitted.data);
    await this.storage.put(key, tmp, fitted.mimeType).catch(async (e: unknown) => {
      this.logger.warn(`Could not cache a fitted copy of ${item.id}: ${String(e)}`);
      await rm(tmp, { force: true });
    });
    return {
      stream: Readable.from(fitted.data),
      bytes: fitted.data.length,
      mimeType: fitted.mimeType,
      width: fitted.width,
      height: fitted.height,
    };
  }

  private async readAll(stream: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}

async function fitMeta(data: Buffer): Promise<{ mimeType: string; width?: number; height?: number }> {
  const meta = await sharp(data).metadata();
  return { mimeType: `image/${meta.format}`, width: meta.width, height: meta.pageHeight ?? meta.height };
}
