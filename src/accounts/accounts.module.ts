import { Module } from '@nestjs/common';
import { AccountsService } from './accounts.service';
import { AccountsSweeper } from './accounts.sweeper';
import { PasswordHasher } from './password.hasher';
import { SessionsRepository } from './sessions.repository';
import { UserTokensRepository } from './user-tokens.repository';
import { UsersRepository } from './users.repository';

/** Accounts (users), their sessions and emailed links (expired ones swept hourly); workspaces and people build on it. */
@Module({
  providers: [
    AccountsService,
    AccountsSweeper,
    PasswordHasher,
    UsersRepository,
    SessionsRepository,
    UserTokensRepository,
  ],
  exports: [AccountsService],
})
export class AccountsModule {}
