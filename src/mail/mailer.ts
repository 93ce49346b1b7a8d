import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

const SEND_TIMEOUT_MS = 10_000;

/**
 * Account emails (invitations, verification, password resets) through SMTP_URL, from
 * ALERT_FROM. Without SMTP_URL nothing is sent and a warning says so, naming the kind of
 * mail and never its content: the content holds a link that signs someone in.
 */
@Injectable()
export class Mailer implements OnModuleInit {
  private readonly logger = new Logger('Mail');
  private readonly transport: Transporter | null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.transport = config.smtpUrl
      ? createTransport({
          url: config.smtpUrl,
          connectionTimeout: SEND_TIMEOUT_MS,
          greetingTimeout: SEND_TIMEOUT_MS,
          socketTimeout: SEND_TIMEOUT_MS * 2,
        } as never)
      : null;
  }

  onModuleInit(): void {
    if (!this.transport)
      this.logger.warn('SMTP_URL is not set: invitation, verification and password reset emails are not sent.');
  }

  /** Sends `message`; a failure is logged (without the content) and not thrown: the answer must not tell. */
  async send(kind: string, message: MailMessage): Promise<boolean> {
    if (!this.transport) {
      this.logger.warn(`A ${kind} email was not sent: SMTP_URL is not set.`);
      return false;
    }
    try {
      await this.transport.sendMail({ from: this.config.alertFrom, ...message });
      return true;
    } catch (error) {
      this.logger.error(`Sending a ${kind} email failed: ${(error as Error).message}`);
      return false;
    }
  }
}
