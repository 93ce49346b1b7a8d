import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/domain-error';
import { ChannelsService } from '../channels/channels.service';
import { EgressGuard } from '../egress/egress-guard';
import { EgressRefusedError } from '../egress/egress-refused.error';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhookBody } from '../publishing/adapters/webhook-signature';
import { CONNECT_TIMEOUT_MS } from './connect-http';

export const TEST_HEADER = 'X-Palinsesto-Test';

/**
 * "Send a test" of a webhook channel: a delivery shaped and signed like a real one (the
 * same headers, HMAC-SHA256 of the body with the channel's secret), marked as a test by
 * `"test": true` in the body and `X-Palinsesto-Test: 1`. Nothing is recorded.
 */
@Injectable()
export class TestDeliveryService {
  private readonly logger = new Logger('Connect');

  constructor(
    private readonly channels: ChannelsService,
    private readonly egress: EgressGuard,
    private readonly clock: Clock,
  ) {}

  async send(actor: Actor, channelId: string): Promise<{ ok: true; status: number }> {
    const channel = await this.channels.get(actor, channelId);
    if (channel.platform !== 'webhook') {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `Test deliveries are for webhook channels; this one is ${channel.platform}.`,
      );
    }
    const { url, secret } = (await this.channels.credentialsFor(channel)) as { url?: string; secret?: string };
    if (!url)
      throw new DomainError(ErrorCode.Unprocessable, 'The channel has no webhook URL: set its credentials.url.');
    const id = `test-${randomUUID()}`;
    const now = this.clock.now();
    const body = Buffer.from(
      JSON.stringify({
        test: true,
        id,
        channel: { id: channel.id, name: channel.name, handle: channel.handle },
        body: 'A test delivery from Palinsesto: nothing to publish.',
        title: null,
        link: null,
        media: null,
        category: 'test',
        scheduledAt: now.toISOString(),
      }),
      'utf8',
    );
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Palinsesto/0.1 (+publishing)',
      [DELIVERY_HEADER]: id,
      [TEST_HEADER]: '1',
    };
    if (secret) headers[SIGNATURE_HEADER] = signWebhookBody(body, secret);
    const target = new URL(url);
    let status: number;
    try {
      const response = await this.egress.fetch(target, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const refused = error instanceof EgressRefusedError ? error : cause instanceof EgressRefusedError ? cause : null;
      this.logger.warn(`Test delivery to ${target.origin} failed: ${refused ? 'address refused' : 'no answer'}`);
      throw new DomainError(
        ErrorCode.Unprocessable,
        refused
          ? `The webhook URL is not allowed: ${refused.message}`
          : `The webhook at ${target.host} did not answer (within ${CONNECT_TIMEOUT_MS / 1000} s).`,
      );
    }
    if (status < 200 || status >= 300) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `The webhook at ${target.host} answered ${status}; a delivery needs a 2xx answer.`,
        { status },
      );
    }
    return { ok: true, status };
  }
}
