import { Module } from '@nestjs/common';
import { Mailer } from './mailer';

/** Account emails (src/alerts keeps its own notifier with its outbox and retries). */
@Module({ providers: [Mailer], exports: [Mailer] })
export class MailModule {}
