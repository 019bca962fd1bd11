import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { And, LessThan, MoreThanOrEqual } from 'typeorm';
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
  async list(filter: AuditQuery, page: { take: number; skip: number }): Promise<AuditEvent[]> {
    return this.events.find({ where: whereOf(filter, true), order: { at: 'DESC', id: 'DESC' }, ...page });
  }

  /** How many events match the filters (the cursor aside). */
  count(filter: AuditQuery): Promise<number> {
    return this.events.count({ where: whereOf(filter, false) });
  }
}

/** Filters of the audit trail: exact actor, action and tenant, a time range, and a cursor. */
export interface AuditQuery {
  tenant?: string;
  actor?: string;
  action?: string;
  /** At or after. */
  from?: Date;
  /** Before. */
  to?: Date;
  /** The id of the last event of the previous page. */
  before?: string;
}

/**
 * Ids are UUIDv7s, time-ordered and compared as text: a time range is an id range (the first possible id
 * of each instant), so time filters and the cursor are one indexed condition on the primary key, and no
 * driver's date format is involved.
 */
function whereOf(filter: AuditQuery, withCursor: boolean): FindOptionsWhere<AuditEvent> {
  const where: FindOptionsWhere<AuditEvent> = {};
  if (filter.tenant !== undefined) where.tenant = filter.tenant;
  if (filter.actor !== undefined) where.actor = filter.actor;
  if (filter.action !== undefined) where.action = filter.action;
  const lower = filter.from ? firstIdAt(filter.from) : undefined;
  const bounds = [filter.to ? firstIdAt(filter.to) : undefined, withCursor ? filter.before : undefined];
  const upper = bounds.filter((bound): bound is string => bound !== undefined).sort()[0];
  if (lower !== undefined && upper !== undefined) where.id = And(MoreThanOrEqual(lower), LessThan(upper));
  else if (lower !== undefined) where.id = MoreThanOrEqual(lower);
  else if (upper !== undefined) where.id = LessThan(upper);
  return where;
}

/** The smallest UUIDv7 of an instant. */
function firstIdAt(at: Date): string {
  const hex = Math.max(0, at.getTime()).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
