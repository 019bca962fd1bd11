import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { OmegaError } from '@omega/core';
import { randomUUID } from 'node:crypto';
import { MoreThan, type EntityManager, type FindOptionsWhere, type Repository } from 'typeorm';
import { nameCondition } from '../common/name-page';
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

export interface ApiKeyPageQuery {
  userId?: string;
  tenantId?: string;
  /** Only keys whose name contains this text. */
  contains?: string;
  /** The id of the last key of the previous page. */
  after?: string;
  limit: number;
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

  /**
   * Keys by name from a cursor (the id of the last key shown), with the count of all that match. Names
   * repeat ("default"), so the order is name then id, and the cursor is a key's id. Both are strings:
   * the comparisons mean the same on every supported database, unlike times (SQLite keeps them as text).
   */
  async page(query: ApiKeyPageQuery): Promise<{ items: ApiKey[]; total: number }> {
    const base: FindOptionsWhere<ApiKey> = {};
    if (query.userId !== undefined) base.userId = query.userId;
    if (query.tenantId !== undefined) base.tenantId = query.tenantId;
    const where = (name: FindOptionsWhere<ApiKey>['name']) => (name ? { ...base, name } : base);
    const matching = where(nameCondition({ contains: query.contains }, false));
    let page: FindOptionsWhere<ApiKey>[] = [matching];
    if (query.after !== undefined) {
      const last = await this.keys.findOne({ where: { ...matching, id: query.after } });
      // A cursor that is no key of this listing (mistyped, or another user's) is bad input, not page one.
      if (!last) throw OmegaError.invalidInput('Unknown page cursor: start again from the first page');
      page = [
        where(nameCondition({ contains: query.contains, after: last.name }, true)),
        { ...base, name: last.name, id: MoreThan(last.id) },
      ];
    }
    const [items, total] = await Promise.all([
      this.keys.find({
        where: page,
        relations: { user: true, tenant: true },
        order: { name: 'ASC', id: 'ASC' },
        take: query.limit,
      }),
      this.keys.count({ where: matching }),
    ]);
    return { items, total };
  }

  async update(
    id: string,
    changes: Partial<Pick<ApiKey, 'revokedAt' | 'expiresAt' | 'lastUsedAt' | 'rateLimits'>>,
  ): Promise<void> {
    await this.keys.update({ id }, changes);
  }
}
