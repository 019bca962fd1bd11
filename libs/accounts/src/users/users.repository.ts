import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { randomUUID } from 'node:crypto';
import type { EntityManager, Repository } from 'typeorm';
import { ACCOUNTS_CONNECTION } from '../database/accounts-connection';
import { exactly } from '../database/exact-match';
import { isUniqueViolation } from '../database/unique-violation';
import { User } from './user.entity';

export interface NewUser {
  userid: string;
  email: string | null;
  passwordHash: string | null;
  isPlatformAdmin: boolean;
}

@Injectable()
export class UsersRepository {
  private readonly users: Repository<User>;

  constructor(@InjectEntityManager(ACCOUNTS_CONNECTION) manager: EntityManager) {
    this.users = manager.getRepository(User);
  }

  withTransaction(tx: EntityManager): UsersRepository {
    return new UsersRepository(tx);
  }

  async insert(input: NewUser): Promise<User> {
    const user = this.users.create({ ...input, id: randomUUID(), created: new Date(), disabled: false });
    try {
      await this.users.insert(user);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new OmegaError(OmegaErrorCode.AlreadyExists, `User '${input.userid}' already exists`);
      throw error;
    }
    return user;
  }

  async findByUserid(userid: string): Promise<User | null> {
    return exactly(await this.users.findOneBy({ userid }), (user) => user.userid, userid);
  }

  async requireByUserid(userid: string): Promise<User> {
    const user = await this.findByUserid(userid);
    if (!user) throw OmegaError.notFound(`User '${userid}'`);
    return user;
  }

  async list(page: { take: number; skip: number }): Promise<User[]> {
    return this.users.find({ order: { userid: 'ASC' }, ...page });
  }

  async update(
    id: string,
    changes: Partial<Pick<User, 'passwordHash' | 'disabled' | 'email'>>,
  ): Promise<void> {
    await this.users.update({ id }, changes);
  }
}
