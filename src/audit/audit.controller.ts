import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { Optional } from '../common/validators';
import { CurrentActor, type Actor } from '../auth/actor';
import { Roles } from '../auth/auth.decorators';
import { DomainError } from '../common/domain-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, PageQueryDto, toPage } from '../common/pagination';
import { AuditService } from './audit.service';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only the trail of this post, channel or member' })
  @Optional()
  @IsUUID()
  entityId?: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/workspaces/:wid/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Roles('lead')
  @Get()
  @ApiOperation({ summary: 'Who scheduled, approved or overrode what, newest first (leads)' })
  async list(
    @CurrentActor() actor: Actor,
    @Param('wid', new ParseUUIDPipe()) wid: string,
    @Query() query: AuditQueryDto,
  ) {
    if (wid !== actor.workspaceId) throw DomainError.notFound('Workspace');
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = decodeCursor<{ at: string; id: string }>(query.cursor, ['at', 'id']);
    const rows = await this.audit.list(wid, { limit, before, entityId: query.entityId });
    return toPage(
      rows,
      limit,
      (e) => ({
        id: e.id,
        at: e.at.toISOString(),
        actorMemberId: e.actorMemberId,
        action: e.action,
        entityType: e.entityType,
        entityId: e.entityId,
        reason: e.reason,
        details: e.details,
      }),
      (e) => ({ at: e.at.toISOString(), id: e.id }),
    );
  }
}
