import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { EntityManager, FindOptionsWhere, Repository } from 'typeorm';
import { ACCOUNTS_CONNECTION } from '../database/accounts-connection';
import { ApiKey } from './api-key.entity';

export interface NewApiKey {
  userId: string;
  tenantId: string;
  name: string;
  keyPrefix: string;
  keyHash: string;
  expiresAt: Date | null;
}

@Injectable()
export class ApiKeysRepository {
  private readonly keys: Repository<ApiKey>;

  constructor(@InjectEntityManager(ACCOUNTS_CONNECTION) manager: EntityManager) {
    this.keys = manager.getRepository(ApiKey);
  }

  withTransaction(tx: EntityManager): ApiKeysRepository {
    return new ApiKeysRepository(tx);
  }

  async insert(input: NewApiKey): Promise<ApiKey> {
    const key = this.keys.create({
      ...input,
      id: randomUUID(),
      created: new Date(),
      revokedAt: null,
      lastUsedAt: null,
      rateLimits: null,
    });
    // A duplicate hash would mean a 256-bit collision or a supplied key used twice: let it fail loudly.
    await this.keys.insert(key);
    return key;
  }

  /** The user's keys that start like the presented one (almost always one), with their tenant. */
  async findCandidates(userId: string, keyPrefix: string): Promise<ApiKey[]> {
    return this.keys.find({ where: { userId, keyPrefix }, relations: { tenant: true } });
  }

  async findById(id: string): Promise<ApiKey | null> {
    return this.keys.findOne({ where: { id }, relations: { user: true, tenant: true } });
  }

  async list(
    filter: { userId?: string; tenantId?: string },
    page: { take: number; skip: number },
  ): Promise<ApiKey[]> {
    // Only the filters given: TypeORM refuses `undefined` in a where clause.
    const where: FindOptionsWhere<ApiKey> = {};
    if (filter.userId !== undefined) where.userId = filter.userId;
    if (filter.tenantId !== undefined) where.tenantId = filter.tenantId;
    return this.keys.find({
      where,
      relations: { user: true, tenant: true },
      order: { created: 'ASC', id: 'ASC' },
      ...page,
    });
  }

  async update(
    id: string,
    changes: Partial<Pick<ApiKey, 'revokedAt' | 'expiresAt' | 'lastUsedAt' | 'rateLimits'>>,
  ): Promise<void> {
    await this.keys.update({ id }, changes);
  }
}
