import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { randomUUID } from 'node:crypto';
import type { EntityManager, Repository } from 'typeorm';
import { nameCondition, NamePageQuery } from '../common/name-page';
import { ACCOUNTS_CONNECTION } from '../database/accounts-connection';
import { exactly } from '../database/exact-match';
import { isUniqueViolation } from '../database/unique-violation';
import { Tenant } from './tenant.entity';

@Injectable()
export class TenantsRepository {
  private readonly tenants: Repository<Tenant>;

  constructor(@InjectEntityManager(ACCOUNTS_CONNECTION) manager: EntityManager) {
    this.tenants = manager.getRepository(Tenant);
  }

  /** The same repository inside a transaction. */
  withTransaction(tx: EntityManager): TenantsRepository {
    return new TenantsRepository(tx);
  }

  async insert(name: string): Promise<Tenant> {
    const tenant = this.tenants.create({ id: randomUUID(), name, created: new Date(), disabled: false });
    try {
      await this.tenants.insert(tenant);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new OmegaError(OmegaErrorCode.AlreadyExists, `Tenant '${name}' already exists`);
      throw error;
    }
    return tenant;
  }

  async findByName(name: string): Promise<Tenant | null> {
    return exactly(await this.tenants.findOneBy({ name }), (tenant) => tenant.name, name);
  }

  async requireByName(name: string): Promise<Tenant> {
    const tenant = await this.findByName(name);
    if (!tenant) throw OmegaError.notFound(`Tenant '${name}'`);
    return tenant;
  }

  async list(page: { take: number; skip: number }): Promise<Tenant[]> {
    return this.tenants.find({ order: { name: 'ASC' }, ...page });
  }

  /** Tenants by name from a cursor, optionally containing a text, and how many match. */
  async page(query: NamePageQuery & { limit: number }): Promise<{ items: Tenant[]; total: number }> {
    const where = (withCursor: boolean) => {
      const name = nameCondition(query, withCursor);
      return name ? { name } : {};
    };
    const [items, total] = await Promise.all([
      this.tenants.find({ where: where(true), order: { name: 'ASC' }, take: query.limit }),
      this.tenants.count({ where: where(false) }),
    ]);
    return { items, total };
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await this.tenants.update({ id }, { disabled });
  }
}
