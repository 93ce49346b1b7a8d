import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '../auth/actor';
import { Public, Roles } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import { Idempotent } from '../common/idempotent.decorator';
import {
  CategoryCreateDto,
  MemberCreateDto,
  MemberRoleDto,
  WorkspaceCreateDto,
  WorkspaceUpdateDto,
} from './dto/workspace.dto';
import { WorkspacesService } from './workspaces.service';

const uuid = new ParseUUIDPipe({ version: undefined });

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('v1/workspaces')
export class WorkspacesController {
  constructor(private readonly service: WorkspacesService) {}

  @Public()
  @Post()
  @ApiOperation({ summary: 'Create a workspace and its first lead; answers the lead api key once' })
  @ApiCreatedResponse({ description: '{workspace, member, apiKey}' })
  create(@Body() dto: WorkspaceCreateDto, @Headers('authorization') authorization?: string) {
    return this.service.create(dto, authorization);
  }

  @Get(':wid')
  get(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string) {
    return this.service.describe(actor, wid);
  }

  @Roles('lead')
  @Patch(':wid')
  update(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Body() dto: WorkspaceUpdateDto) {
    return this.service.update(actor, wid, dto);
  }

  @Get(':wid/members')
  members(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Query() page: PageQueryDto) {
    return this.service.listMembers(actor, wid, page.limit, page.cursor);
  }

  @Roles('lead')
  @Idempotent()
  @Post(':wid/members')
  @ApiOperation({ summary: 'Add a member; answers the member api key once' })
  addMember(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Body() dto: MemberCreateDto) {
    return this.service.addMember(actor, wid, dto);
  }

  @Roles('lead')
  @Patch(':wid/members/:mid')
  @ApiOperation({ summary: "Change a member's role (the last lead stays a lead)" })
  changeRole(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Param('mid', uuid) mid: string,
    @Body() dto: MemberRoleDto,
  ) {
    return this.service.changeRole(actor, wid, mid, dto.role);
  }

  @Roles('lead')
  @Delete(':wid/members/:mid')
  @HttpCode(204)
  async revokeMember(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Param('mid', uuid) mid: string) {
    await this.service.revokeMember(actor, wid, mid);
  }

  @Get(':wid/categories')
  categories(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string) {
    return this.service.listCategories(actor, wid);
  }

  @Roles('lead')
  @Idempotent()
  @Post(':wid/categories')
  addCategory(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Body() dto: CategoryCreateDto) {
    return this.service.addCategory(actor, wid, dto);
  }
}
