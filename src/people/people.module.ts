import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { MailModule } from '../mail/mail.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AuthController } from './auth.controller';
import { InvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { OidcClient } from './oidc.client';
import { OidcController } from './oidc.controller';
import { PeopleService } from './people.service';

/** Sign-up, sign-in, invitations and recovery: built on accounts and workspaces. */
@Module({
  imports: [AccountsModule, WorkspacesModule, MailModule],
  controllers: [AuthController, InvitationsController, OidcController],
  providers: [PeopleService, InvitationsRepository, OidcClient],
})
export class PeopleModule {}
