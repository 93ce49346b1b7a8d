import { Injectable, Logger } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { DomainError, ErrorCode } from '../common/domain-error';
import { EgressGuard } from '../egress/egress-guard';
import { egressRefusal } from '../egress/egress-refused.error';
import type { MediaResponse } from './dto/media.dto';
import { StreamingFileSink, toDomainError } from './media-upload.receiver';
import { MediaUsage } from './media-usage';
import { MediaRepository } from './media.repository';
import { MediaService } from './media.service';

/** How long an import may take, connection to last byte. */
export const IMPORT_TIMEOUT_MS = 30_000;
const IMPORT_REDIRECTS = 5;

/** The library's use cases that need to know what posts use (delete) or reach out (import). */
@Injectable()
export class MediaLibraryService {
  private readonly logger = new Logger('Media');

  constructor(
    private readonly media: MediaService,
    private readonly repository: MediaRepository,
    private readonly usage: MediaUsage,
    private readonly egress: EgressGuard,
    private readonly audit: AuditService,
  ) {}

  /**
   * Deletes an item and its files; 409 while a post that is not yet published uses it. The
   * row is locked first, so a post being saved with the item at the same time either commits
   * first (and the delete sees it) or waits and fails to find the item (422).
   */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.repository.transaction(async (m) => {
      const item = await this.repository.lockForDelete(m, actor.workspaceId, id);
      if (!item) throw DomainError.notFound('Media item');
      if ((await this.usage.inUseBy([id], m)).has(id)) {
        throw new DomainError(
          ErrorCode.Conflict,
          'A post that is not yet published uses this media item; remove it from the post (or cancel the post) first.',
        );
      }
      await this.repository.deleteIds(m, [id]);
      await this.audit.record(actor, { action: 'media.delete', entityType: 'media', entityId: id }, m);
    });
    // After the commit: a failure leaves files no row names, which the retention sweep removes.
    await this.media
      .deleteFiles(id)
      .catch((e: unknown) => this.logger.warn(`Files of media ${id} not deleted: ${String(e)}`));
  }

  /**
   * Fetches `url` through the egress guard (every redirect checked as the first address),
   * within MEDIA_MAX_BYTES (never read past it: 413) and IMPORT_TIMEOUT_MS, into the library.
   */
  async importFromUrl(
    actor: Actor,
    workspaceId: string,
    url: string,
    alt: string | undefined,
  ): Promise<{ item: MediaResponse; created: boolean }> {
    this.media.assertOwn(actor, workspaceId);
    const limits = this.media.limits();
    const signal = AbortSignal.timeout(IMPORT_TIMEOUT_MS);
    let response;
    try {
      response = await this.egress.fetch(url, {
        maxRedirects: IMPORT_REDIRECTS,
        signal,
        headers: { accept: 'image/*, video/mp4' },
      });
    } catch (e) {
      const refused = egressRefusal(e);
      const message = refused
        ? `The media cannot be imported: ${refused.message}.`
        : signal.aborted
          ? `The media could not be fetched within ${IMPORT_TIMEOUT_MS / 1000} seconds.`
          : 'The media could not be fetched: the address did not answer.';
      throw new DomainError(ErrorCode.Unprocessable, message, { errors: [{ field: 'url', message }] });
    }
    if (response.status < 200 || response.status >= 300 || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      const message = `The media could not be fetched: the address answered ${response.status}.`;
      throw new DomainError(ErrorCode.Unprocessable, message, { errors: [{ field: 'url', message }] });
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new DomainError(
        ErrorCode.TooLarge,
        `The file is larger than ${limits.maxBytes} bytes, the most the library takes.`,
      );
    }
    await mkdir(limits.tmpDir, { recursive: true });
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    const sink = new StreamingFileSink(limits);
    let file;
    try {
      file = await sink.consume(body, () => body.destroy());
    } catch (e) {
      body.destroy();
      throw signal.aborted
        ? new DomainError(
            ErrorCode.Unprocessable,
            `The media could not be fetched within ${IMPORT_TIMEOUT_MS / 1000} seconds.`,
          )
        : toDomainError(e);
    }
    return this.media.ingest(actor, workspaceId, file, alt);
  }
}
