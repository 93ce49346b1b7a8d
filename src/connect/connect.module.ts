import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { EgressModule } from '../egress/egress.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { BlueskyConnectService } from './bluesky-connect.service';
import { ConnectController } from './connect.controller';
import { ConnectHttp } from './connect-http';
import { ConnectRepository } from './connect.repository';
import { CONNECTION_CHECK_OPTIONS, ConnectionCheckService } from './connection-check.service';
import { MastodonConnectService } from './mastodon-connect.service';
import { TestDeliveryService } from './test-delivery.service';

/**
 * Connecting channels to their accounts (Mastodon OAuth with PKCE, Bluesky app passwords,
 * webhook test deliveries) and the daily connection check, whose verdicts the channels
 * module records and states as events (alerts listens).
 */
@Module({
  imports: [ChannelsModule, EgressModule, WorkspacesModule],
  controllers: [ConnectController],
  providers: [
    ConnectRepository,
    ConnectHttp,
    MastodonConnectService,
    BlueskyConnectService,
    TestDeliveryService,
    ConnectionCheckService,
    { provide: CONNECTION_CHECK_OPTIONS, useValue: {} },
  ],
  exports: [ConnectionCheckService],
})
export class ConnectModule {}
