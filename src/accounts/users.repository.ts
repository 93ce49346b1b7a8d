import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';

/** The one owner of `users`. Emails come lower-cased (the DTOs and the check constraint). */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  findByEmail(email: string, m: EntityManager = this.ds.manager): Promise<UserEntity | null> {
    return m.getRepository(UserEntity).findOne({ where: { email: email.toLowerCase() } });
  }

  findById(id: string, m: EntityManager = this.ds.manager): Promise<UserEntity | null> {
    return m.getRepository(UserEntity).findOne({ where: { id } });
  }

  /** Inserts the user, or answers null when the email has an account already. */
  async insert(
    m: EntityManager,
    user: Pick<UserEntity, 'email' | 'name' | 'passwordHash' | 'emailVerifiedAt'>,
  ): Promise<UserEntity | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO users (email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email) DO NOTHING RETURNING id`,
      [user.email.toLowerCase(), user.name, user.passwordHash, user.emailVerifiedAt],
    );
    if (rows.length === 0) return null;
    return this.findById(rows[0].id, m);
  }

  /** The account of `email`, made (without a password) when there is none. */
  async findOrInsert(m: EntityManager, email: string, name: string): Promise<UserEntity> {
    const made = await this.insert(m, { email, name, passwordHash: null, emailVerifiedAt: null });
    if (made) return made;
    const found = await this.findByEmail(email, m);
    if (!found) throw new Error(`The account of ${email} vanished while being read`);
    return found;
  }

  async update(
    m: EntityManager,
    id: string,
    changes: Partial<Pick<UserEntity, 'name' | 'passwordHash' | 'emailVerifiedAt'>>,
  ): Promise<void> {
    await m.getRepository(UserEntity).update({ id }, changes);
  }

  async delete(m: EntityManager, id: string): Promise<void> {
    await m.getRepository(UserEntity).delete({ id });
  }
}
