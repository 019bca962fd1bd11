import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { randomUUID } from 'node:crypto';
import type { EntityManager, Repository } from 'typeorm';
import { nameCondition, NamePageQuery } from '../common/name-page';
import { ACCOUNTS_CONNECTION } from '../database/accounts-connection';
import { isUniqueViolation } from '../database/unique-violation';
import { Membership } from './membership.entity';
import type { Role } from './role';

@Injectable()
export class MembershipsRepository {
  private readonly memberships: Repository<Membership>;

  constructor(@InjectEntityManager(ACCOUNTS_CONNECTION) manager: EntityManager) {
    this.memberships = manager.getRepository(Membership);
  }

  withTransaction(tx: EntityManager): MembershipsRepository {
    return new MembershipsRepository(tx);
  }

  /** `names` only make the error message readable. */
  async insert(
    userId: string,
    tenantId: string,
    role: Role,
    names: { userid: string; tenant: string },
  ): Promise<Membership> {
    const membership = this.memberships.create({
      id: randomUUID(),
      userId,
      tenantId,
      role,
      created: new Date(),
    });
    try {
      await this.memberships.insert(membership);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new OmegaError(
          OmegaErrorCode.AlreadyExists,
          `User '${names.userid}' is already a member of tenant '${names.tenant}'`,
        );
      }
      throw error;
    }
    return membership;
  }

  async find(userId: string, tenantId: string): Promise<Membership | null> {
    return this.memberships.findOneBy({ userId, tenantId });
  }

  async listByTenant(tenantId: string, page: { take: number; skip: number }): Promise<Membership[]> {
    return this.memberships.find({
      where: { tenantId },
      relations: { user: true, tenant: true },
      order: { user: { userid: 'ASC' } },
      ...page,
    });
  }

  /** Members of a tenant by user name from a cursor, optionally containing a text, and how many match. */
  async pageByTenant(
    tenantId: string,
    query: NamePageQuery & { limit: number },
  ): Promise<{ items: Membership[]; total: number }> {
    const where = (withCursor: boolean) => {
      const userid = nameCondition(query, withCursor);
      return userid ? { tenantId, user: { userid } } : { tenantId };
    };
    const [items, total] = await Promise.all([
      this.memberships.find({
        where: where(true),
        relations: { user: true, tenant: true },
        order: { user: { userid: 'ASC' } },
        take: query.limit,
      }),
      this.memberships.count({ where: where(false), relations: { user: true } }),
    ]);
    return { items, total };
  }

  async listByUser(userId: string): Promise<Membership[]> {
    return this.memberships.find({
      where: { userId },
      relations: { user: true, tenant: true },
      order: { tenant: { name: 'ASC' } },
    });
  }

  async setRole(id: string, role: Role): Promise<void> {
    await this.memberships.update({ id }, { role });
  }

  async delete(id: string): Promise<void> {
    await this.memberships.delete({ id });
  }
}
