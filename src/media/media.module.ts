import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { EgressModule } from '../egress/egress.module';
import { OperationsModule } from '../operations/operations.module';
import { FolderMediaStorage } from './folder-media.storage';
import { MediaController } from './media.controller';
import { MediaLibraryService } from './media-library.service';
import { MEDIA_RETENTION_OPTIONS, MediaRetentionJob } from './media-retention.job';
import { MediaStorage } from './media-storage';
import { MediaMetrics } from './media.metrics';
import { MediaRepository } from './media.repository';
import { MediaService } from './media.service';
import { S3MediaStorage } from './s3-media.storage';

/** The store a configuration asks for: S3-compatible with MEDIA_S3_BUCKET, else the folder MEDIA_DIR. */
export function mediaStorageOf(config: AppConfig): MediaStorage {
  return config.mediaS3 ? new S3MediaStorage(config.mediaS3) : new FolderMediaStorage(config.mediaDir);
}

/**
 * The media library's storage and the MediaService other modules use (posts: describe and
 * resolve; publishing: open and signedUrl). Knows nothing of posts.
 */
@Module({
  imports: [OperationsModule],
  providers: [
    MediaRepository,
    MediaMetrics,
    MediaService,
    { provide: MediaStorage, inject: [APP_CONFIG], useFactory: mediaStorageOf },
  ],
  exports: [MediaService, MediaRepository, MediaStorage, MediaMetrics],
})
export class MediaModule {}

/**
 * The media API and the retention job, which need to know what posts use: the module that
 * provides MediaUsage (PostsModule) is named by the composition root.
 */
@Module({})
export class MediaApiModule {
  static forRoot(usageFrom: Type<unknown>): DynamicModule {
    return {
      module: MediaApiModule,
      imports: [MediaModule, usageFrom, EgressModule],
      controllers: [MediaController],
      providers: [
        MediaLibraryService,
        MediaRetentionJob,
        { provide: MEDIA_RETENTION_OPTIONS, useValue: { schedule: true } },
      ],
      exports: [MediaRetentionJob],
    };
  }
}
