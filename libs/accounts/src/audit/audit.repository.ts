import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager, FindOptionsWhere, Repository } from 'typeorm';
import { ACCOUNTS_CONNECTION } from '../database/accounts-connection';
import { AuditEvent } from './audit-event.entity';
import { timeOrderedId } from './time-ordered-id';

@Injectable()
export class AuditRepository {
  private readonly events: Repository<AuditEvent>;

  constructor(@InjectEntityManager(ACCOUNTS_CONNECTION) manager: EntityManager) {
    this.events = manager.getRepository(AuditEvent);
  }

  /** Stamps the event with a time-ordered id and its instant, so listings keep the order events happened in. */
  async insert(event: Omit<AuditEvent, 'id' | 'at'>): Promise<AuditEvent> {
    const row = this.events.create({ ...event, ...timeOrderedId() });
    await this.events.insert(row);
    return row;
  }

  /** Newest first; only the filters given apply (TypeORM refuses `undefined` in a where clause). */
  async list(
    filter: { tenant?: string; actor?: string; action?: string },
    page: { take: number; skip: number },
  ): Promise<AuditEvent[]> {
    const where: FindOptionsWhere<AuditEvent> = {};
    if (filter.tenant !== undefined) where.tenant = filter.tenant;
    if (filter.actor !== undefined) where.actor = filter.actor;
    if (filter.action !== undefined) where.action = filter.action;
    return this.events.find({ where, order: { at: 'DESC', id: 'DESC' }, ...page });
  }
}
