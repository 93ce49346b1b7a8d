import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { RenderedEmail } from '../alert-messages';
import { ALERTS_OPTIONS, DEFAULT_ALERTS_OPTIONS, type AlertsOptions } from '../alerts.options';

/** Alert emails through SMTP_URL (nodemailer); without it, email is off (one warning at start). */
@Injectable()
export class EmailNotifier implements OnModuleInit {
  private readonly logger = new Logger('Alerts');
  private readonly transport: Transporter | null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ALERTS_OPTIONS) options: Partial<AlertsOptions>,
  ) {
    const timeout = options.sendTimeoutMs ?? DEFAULT_ALERTS_OPTIONS.sendTimeoutMs;
    this.transport = config.smtpUrl
      ? createTransport({
          url: config.smtpUrl,
          connectionTimeout: timeout,
          greetingTimeout: timeout,
          socketTimeout: timeout * 2,
        } as never)
      : null;
  }

  get enabled(): boolean {
    return this.transport !== null;
  }

  onModuleInit(): void {
    if (!this.enabled)
      this.logger.warn('SMTP_URL is not set: alert emails are skipped; alert webhooks are still delivered.');
  }

  async send(to: string, email: RenderedEmail, deliveryId: string): Promise<void> {
    if (!this.transport) throw new Error('SMTP_URL is not set');
    await this.transport.sendMail({
      from: this.config.alertFrom,
      to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      headers: { 'X-Palinsesto-Delivery': deliveryId },
    });
  }
}
