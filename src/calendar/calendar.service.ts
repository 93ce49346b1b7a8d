import { Injectable } from '@nestjs/common';
import { Actor } from '../auth/actor';
import { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService } from '../channels/channels.service';
import { mapChannel } from '../channels/dto/channel.dto';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { mapPost } from '../posts/dto/post.dto';
import { PostEntity } from '../posts/post.entity';
import { PLANNED_STATUSES } from '../posts/post-state.machine';
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
    private readonly clock: Clock,
  ) {}

  async forChannel(actor: Actor, channelId: string, query: CalendarQueryDto) {
    const channel = await this.channels.get(actor, channelId);
    const range = resolveRange(query.from, query.to, channel.timezone, this.clock.now());
    const posts = await this.posts.datedInRange([channel.id], range.from, range.to);
    return { ...this.channelCalendar(channel, posts, range), from: range.from.toISOString(), to: range.to.toISOString() };
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
      channels: channels.map((c) => this.channelCalendar(c, byChannel.get(c.id) ?? [], range)),
    };
  }

  private channelCalendar(channel: ChannelEntity, posts: PostEntity[], _range: Range) {
    const planned = posts.filter((p) => PLANNED_STATUSES.includes(p.status));
    return {
      channel: mapChannel(channel),
      posts: posts.map(mapPost),
      gaps: [] as unknown[],
      violations: [] as unknown[],
      mix: shareByCategory(planned),
    };
  }
}

function shareByCategory(posts: PostEntity[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of posts) counts[p.category] = (counts[p.category] ?? 0) + 1;
  for (const k of Object.keys(counts)) counts[k] = counts[k] / posts.length;
  return counts;
}
