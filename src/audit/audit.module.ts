import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';

/** The audit trail's HTTP surface; AuditService itself is global (CoreModule). */
@Module({ controllers: [AuditController] })
export class AuditModule {}
