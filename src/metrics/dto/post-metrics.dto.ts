import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class MetricSnapshotDto {
  @ApiProperty({ format: 'date-time', description: 'When the counts were read (or, from a webhook, stated)' })
  at: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Likes (Mastodon favourites); null: the platform has none',
  })
  likes: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Reposts (Mastodon reblogs)' })
  reposts: number | null;

  @ApiProperty({ type: Number, nullable: true })
  replies: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Quotes; null where the instance has no quote posts' })
  quotes: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: "Clicks on the post's tracked links up to `at`; null when not tracked",
  })
  clicks: number | null;
}

export class MetricsCollectionDto {
  @ApiProperty({
    enum: ['collecting', 'done', 'deleted', 'push', 'unsupported'],
    description:
      'collecting: a step is due at nextAt; done: every step taken; deleted: the platform no longer has the post (404/410), collection stopped; push: counts arrive through the signed webhook endpoint; unsupported: the platform has no counts (mock)',
  })
  state: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the next step is due' })
  nextAt: string | null;

  @ApiProperty({ description: 'The step due next (1 = the first of METRICS_STEPS), or the last one when done' })
  step: number;

  @ApiProperty({ type: Number, description: 'How many steps METRICS_STEPS has' })
  steps: number;

  @ApiProperty({ type: String, nullable: true, description: 'Why the last try failed or collection stopped' })
  lastError: string | null;
}

export class PostMetricsDto {
  @ApiProperty({ type: [MetricSnapshotDto], description: 'Oldest first' })
  snapshots: MetricSnapshotDto[];

  @ApiPropertyOptional({
    type: MetricsCollectionDto,
    nullable: true,
    description: 'null until the post is published (and scheduled for collection)',
  })
  collection: MetricsCollectionDto | null;
}

export class WebhookMetricsAnswerDto {
  @ApiProperty({ description: 'false: the same counts at the same instant were recorded before (a replay)' })
  recorded: boolean;

  @ApiProperty({ format: 'uuid' })
  postId: string;
}
