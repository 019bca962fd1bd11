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

  /** Newest first. */
  async list(tenant: string | undefined, page: { take: number; skip: number }): Promise<AuditEvent[]> {
    const where: FindOptionsWhere<AuditEvent> = tenant === undefined ? {} : { tenant };
    return this.events.find({ where, order: { at: 'DESC', id: 'DESC' }, ...page });
  }
}
