import { Injectable } from '@nestjs/common';
import { Actor } from '../auth/actor';
import { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService } from '../channels/channels.service';
import { mapChannel } from '../channels/dto/channel.dto';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { mapPost } from '../posts/dto/post.dto';
import { PostEntity } from '../posts/post.entity';
import { PlanService } from '../posts/plan.service';
import type { Gap } from '../rules';
import { PostsService } from '../posts/posts.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { Range, resolveRange } from './calendar-range';
import { CalendarQueryDto, WorkspaceCalendarQueryDto } from './dto/calendar.dto';

@Injectable()
export class CalendarService {
  constructor(
    private readonly channels: ChannelsService,
    private readonly posts: PostsService,
    private readonly workspaces: WorkspacesService,
    private readonly plan: PlanService,
    private readonly clock: Clock,
  ) {}

  async forChannel(actor: Actor, channelId: string, query: CalendarQueryDto) {
    const channel = await this.channels.get(actor, channelId);
    const range = resolveRange(query.from, query.to, channel.timezone, this.clock.now());
    const posts = await this.posts.datedInRange([channel.id], range.from, range.to);
    return { ...(await this.channelCalendar(channel, posts, range)), from: range.from.toISOString(), to: range.to.toISOString() };
  }

  async forWorkspace(actor: Actor, workspaceId: string, query: WorkspaceCalendarQueryDto) {
    const workspace = await this.workspaces.get(actor, workspaceId);
    const range = resolveRange(query.from, query.to, workspace.timezone, this.clock.now());
    let channels: ChannelEntity[];
    if (query.channelId) {
      const channel = await this.channels.get(actor, query.channelId).catch(() => null);
      if (!channel) throw DomainError.invalid('channelId', 'no such channel in this workspace');
      channels = [channel];
    } else {
      channels = await this.channels.listActiveEntities(workspaceId);
    }
    const posts = await this.posts.datedInRange(channels.map((c) => c.id), range.from, range.to);
    const byChannel = new Map<string, PostEntity[]>(channels.map((c) => [c.id, []]));
    for (const p of posts) byChannel.get(p.channelId)?.push(p);
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      channels: await Promise.all(channels.map((c) => this.channelCalendar(c, byChannel.get(c.id) ?? [], range))),
    };
  }

  /** Planned gaps, inactivity and under-cadence weeks of a channel over [from, to). */
  async gapsFor(channel: ChannelEntity, from: Date, to: Date): Promise<Gap[]> {
    return (await this.plan.insights(channel, from, to)).gaps;
  }

  private async channelCalendar(channel: ChannelEntity, posts: PostEntity[], range: Range) {
    const { gaps, violations, mix } = await this.plan.insights(channel, range.from, range.to);
    return { channel: mapChannel(channel), posts: posts.map(mapPost), gaps, violations, mix };
  }
}
