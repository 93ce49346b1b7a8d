import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { EgressModule } from '../egress/egress.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ChannelsController } from './channels.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';
import { CredentialsCipher } from './credentials.cipher';

@Module({
  imports: [WorkspacesModule, EgressModule],
  controllers: [ChannelsController],
  providers: [
    ChannelsService,
    ChannelsRepository,
    {
      provide: CredentialsCipher,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (!config.secretKey) throw new Error('SECRET_KEY is not set: channel credentials cannot be encrypted');
        return new CredentialsCipher(config.secretKey);
      },
    },
  ],
  exports: [ChannelsService, CredentialsCipher],
})
export class ChannelsModule {}
