import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import type { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService, type ConnectionVerdict } from '../channels/channels.service';
import { mapChannel } from '../channels/dto/channel.dto';
import { DomainError } from '../common/domain-error';
import { ConnectHttp, stringOf } from './connect-http';
import { ConnectRepository } from './connect.repository';
import { MastodonConnectService } from './mastodon-connect.service';

/** Injection token of {@link ConnectionCheckOptions}; tests give `schedule: false`. */
export const CONNECTION_CHECK_OPTIONS = 'CONNECTION_CHECK_OPTIONS';

export interface ConnectionCheckOptions {
  /** Run the daily check on a timer (default on). */
  schedule?: boolean;
}

export const CONNECTION_CHECK_JOB = 'connection-check';
export const CONNECTION_CHECK_EVERY_MS = 24 * 3_600_000;
/** How often each instance asks whether the daily run is due (one of them claims it). */
const TICK_MS = 15 * 60_000;
const PAGE = 100;

/** A check's outcome; `unknown`: the platform could not say (down, 5xx): nothing is recorded. */
export type CheckOutcome = ConnectionVerdict | { state: 'unknown'; problem: string };

/**
 * Whether each channel's credentials still work, before a post fails on them: Mastodon
 * `verify_credentials`, Bluesky `createSession` with the app password (the adapter's own
 * sessions live in memory, so a new one is the check), webhooks are not checked (a receiver
 * need not answer anything but deliveries: "Send a test" is their check), mock always works.
 * A 401/403 is `broken`; a platform that cannot answer leaves the state as it was.
 */
@Injectable()
export class ConnectionCheckService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ConnectionCheck');
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly channels: ChannelsService,
    private readonly mastodon: MastodonConnectService,
    private readonly http: ConnectHttp,
    private readonly repo: ConnectRepository,
    private readonly clock: Clock,
    @Optional() @Inject(CONNECTION_CHECK_OPTIONS) private readonly options: ConnectionCheckOptions | null,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options?.schedule === false) return;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** POST /v1/channels/{cid}/check-connection: checks now and answers the channel. */
  async checkOne(actor: Actor, channelId: string) {
    const channel = await this.channels.get(actor, channelId);
    const outcome = await this.check(channel);
    const now = this.clock.now();
    const updated =
      outcome.state === 'unknown' ? channel : await this.channels.recordConnection(channel.id, outcome, now);
    if (!updated) throw DomainError.notFound('Channel');
    const answer = mapChannel(updated);
    return outcome.state === 'unknown'
      ? { ...answer, connection: { ...answer.connection, state: 'unknown' as const, problem: outcome.problem } }
      : answer;
  }

  /** One daily run, when it is due and no other instance has claimed it; answers how many were checked. */
  async runIfDue(): Promise<number | null> {
    const now = this.clock.now();
    if (!(await this.repo.claimJobRun(CONNECTION_CHECK_JOB, CONNECTION_CHECK_EVERY_MS, now))) return null;
    await this.repo.deleteOldFlows(new Date(now.getTime() - CONNECTION_CHECK_EVERY_MS));
    let checked = 0;
    for (let after: string | null = null; ;) {
      const page = await this.channels.activeWithCredentials(after, PAGE);
      for (const channel of page) {
        const outcome = await this.check(channel).catch((error: unknown): CheckOutcome => ({
          state: 'unknown',
          problem: (error as Error).message,
        }));
        if (outcome.state !== 'unknown') await this.channels.recordConnection(channel.id, outcome, this.clock.now());
        checked++;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    this.logger.log(`Checked the connections of ${checked} channels`);
    return checked;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.runIfDue()
      .catch((error: unknown) => this.logger.error(`The connection check failed: ${(error as Error).message}`))
      .finally(() => (this.running = undefined));
    await this.running;
  }

  private async check(channel: ChannelEntity): Promise<CheckOutcome> {
    if (channel.platform === 'mock') return { state: 'ok' };
    if (channel.platform === 'webhook') return { state: 'unknown', problem: 'Webhooks are not checked; send a test.' };
    const credentials = await this.channels.credentialsFor(channel);
    try {
      if (channel.platform === 'mastodon') {
        const { instanceUrl, accessToken } = credentials as { instanceUrl?: string; accessToken?: string };
        if (!instanceUrl || !accessToken)
          return { state: 'broken', problem: 'The channel has no access token: connect it.' };
        const answer = await this.mastodon.verifyCredentials(instanceUrl, accessToken);
        return answer.state === 'ok' ? { state: 'ok' } : answer;
      }
      const { service, identifier, appPassword } = credentials as Record<string, string | undefined>;
      if (!service || !identifier || !appPassword) {
        return { state: 'broken', problem: 'The channel has no app password: connect it.' };
      }
      const session = await this.http.json(
        'Checking the Bluesky account',
        new URL('/xrpc/com.atproto.server.createSession', service),
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ identifier, password: appPassword }),
        },
      );
      if (session.status === 200 && stringOf(session.body, 'accessJwt')) return { state: 'ok' };
      if (session.status === 401 || session.status === 403) {
        return {
          state: 'broken',
          problem: `Bluesky refused the app password (${session.status}): it may have been revoked; reconnect the channel.`,
        };
      }
      return { state: 'unknown', problem: `The account's server answered ${session.status}.` };
    } catch (error) {
      if (error instanceof DomainError) return { state: 'unknown', problem: error.message };
      throw error;
    }
  }
}
