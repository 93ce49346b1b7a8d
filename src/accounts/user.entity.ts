import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A person who signs in: one account, members of several workspaces (MemberEntity.userId).
 * Emails are stored lower-cased (the check says so), so the unique index is case-insensitive.
 * Members created by scripts (POST /v1/workspaces, POST members) get an account without a
 * password; its owner sets one through a password reset sent to that email.
 */
@Entity({ name: 'users' })
@Check('users_email_lower', `"email" = lower("email")`)
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('users_email', { unique: true })
  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text' })
  name: string;

  /** Argon2id (PHC string: `$argon2id$v=19$m=...,t=...,p=...$salt$hash`); null: no password yet. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash: string | null;

  @Column({ name: 'email_verified_at', type: 'timestamptz', precision: 3, nullable: true })
  emailVerifiedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
