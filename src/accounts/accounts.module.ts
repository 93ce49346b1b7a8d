import { Module } from '@nestjs/common';
import { AccountsService } from './accounts.service';
import { PasswordHasher } from './password.hasher';
import { SessionsRepository } from './sessions.repository';
import { UserTokensRepository } from './user-tokens.repository';
import { UsersRepository } from './users.repository';

/** Accounts (users), their sessions and emailed links; workspaces and people build on it. */
@Module({
  providers: [AccountsService, PasswordHasher, UsersRepository, SessionsRepository, UserTokensRepository],
  exports: [AccountsService],
})
export class AccountsModule {}
