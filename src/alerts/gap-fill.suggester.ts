import { Inject, Injectable, Logger } from '@nestjs/common';
import { ChannelEntity } from '../channels/channel.entity';
import { Clock } from '../common/clock';
import { PlanService } from '../posts/plan.service';
import { type ChannelRules, DAY_MS } from '../rules';
import { AlertEntity, GAP_KINDS } from './alert.entity';
import { ALERTS_OPTIONS, DEFAULT_ALERTS_OPTIONS, type AlertsOptions } from './alerts.options';

/** The category next-slot is asked about: one the mix wants more of, else one it does not cap. */
export function suggestionCategory(rules: ChannelRules): string {
  const limits = rules.mix?.limits ?? {};
  const wanted = Object.keys(limits).find((k) => limits[k].min !== undefined);
  if (wanted) return wanted;
  if (limits.informative?.max === undefined) return 'informative';
  return Object.keys(limits).find((k) => limits[k].max === undefined) ?? 'informative';
}

export interface GapFillSuggestion {
  category: string;
  slots: Date[];
}

/**
 * Where to post to fill an alert's gap: the times the alert email and webhook offer, and the
 * calendar page's "Fill this gap" opens the composer at. One place, so they always agree.
 */
@Injectable()
export class GapFillSuggester {
  private readonly logger = new Logger('GapFillSuggester');
  private readonly options: AlertsOptions;

  constructor(
    private readonly plan: PlanService,
    private readonly clock: Clock,
    @Inject(ALERTS_OPTIONS) options: Partial<AlertsOptions>,
  ) {
    this.options = { ...DEFAULT_ALERTS_OPTIONS, ...options };
  }

  /**
   * Up to `nextSlots` free slots (next-slot) that would fill the gap: from halfway through
   * the allowed stretch for a planned gap, from now for inactivity, from the week's start
   * for an under-cadence week; the first always, the others only inside the gap.
   */
  async suggest(alert: AlertEntity, channel: ChannelEntity): Promise<GapFillSuggestion> {
    const now = this.clock.now().getTime();
    const category = suggestionCategory(channel.rules);
    const step = channel.postingSlots.length > 0 ? 60_000 : DAY_MS;
    const slots: Date[] = [];
    // A planned gap is best filled halfway through what the cadence allows after its start.
    const maxGapMs = (alert.details.maxGapHours ?? 0) * 3_600_000;
    const from =
      alert.kind === 'planned_gap'
        ? alert.startsAt.getTime() + maxGapMs / 2
        : GAP_KINDS.includes(alert.kind)
          ? alert.startsAt.getTime()
          : now;
    let after = new Date(Math.max(now, from) - 1); // next-slot answers strictly after `after`
    try {
      while (slots.length < this.options.nextSlots) {
        const at = await this.plan.nextSlot(channel, { category, after });
        if (!at) break;
        if (slots.length > 0 && GAP_KINDS.includes(alert.kind) && at.getTime() >= alert.endsAt.getTime()) break;
        slots.push(at);
        after = new Date(at.getTime() + step - 1);
      }
    } catch (error) {
      this.logger.warn(`next-slot for alert ${alert.id} failed: ${(error as Error).message}`);
    }
    return { category, slots };
  }
}
