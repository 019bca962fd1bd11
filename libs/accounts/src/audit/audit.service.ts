import { Injectable } from '@nestjs/common';
import { OmegaError } from '@omega/core';
import type { Actor } from '../common/actor';
import { pageOf, Paging } from '../common/paging';
import type { AuditEvent } from './audit-event.entity';
import { AuditQuery, AuditRepository } from './audit.repository';

export type AuditOutcome = 'success' | 'failure';

export interface AuditEntry {
  actor: string;
  tenant?: string | null;
  action: string;
  object?: string | null;
  outcome: AuditOutcome;
  remote?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditEventView {
  id: string;
  at: Date;
  actor: string;
  tenant: string | null;
  action: string;
  object: string | null;
  outcome: AuditOutcome;
  remote: string | null;
  details: Record<string, unknown> | null;
}

/** Filters of the audit trail (exact tenant, actor and action; a time range; a cursor). */
export type AuditFilter = AuditQuery;

/** What an audited operation is about; the outcome is filled in from how it ends. */
export interface AuditSubject {
  action: string;
  tenant?: string | null;
  object?: string | null;
  details?: Record<string, unknown>;
}

/**
 * The audit trail of accounts, tenants and keys. Recording is awaited and its failure is the caller's
 * failure: an operation whose trail cannot be written should not look like it went unnoticed.
 */
@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.events.insert({
      // An over-long remote address or object name must not turn into a failed operation.
      actor: clip(entry.actor, 150),
      tenant: entry.tenant ? clip(entry.tenant, 40) : null,
      action: clip(entry.action, 64),
      object: entry.object ? clip(entry.object, 255) : null,
      outcome: entry.outcome,
      remote: entry.remote ? clip(entry.remote, 64) : null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    });
  }

  /**
   * Newest first; all tenants (and platform events without one) when no tenant is given. A string is
   * the tenant alone.
   */
  async list(filter: AuditFilter | string = {}, paging?: Paging): Promise<AuditEventView[]> {
    const rows = await this.events.list(queryOf(filter), pageOf(paging));
    return rows.map(toView);
  }

  /** How many events match (any `before` cursor aside). */
  count(filter: AuditFilter | string = {}): Promise<number> {
    return this.events.count(queryOf(filter));
  }

  /**
   * Runs `work` and records its outcome: success, or failure with the error's code (a refused duplicate,
   * an invalid name). The error itself is passed on unchanged. `work` may complete the subject once it
   * knows more (the tenant of a key it looked up).
   */
  async audited<T>(
    by: Actor,
    subject: AuditSubject,
    work: (subject: AuditSubject) => Promise<T>,
  ): Promise<T> {
    let result: T;
    try {
      result = await work(subject);
    } catch (error) {
      const code = error instanceof OmegaError ? error.code : 'INTERNAL';
      await this.record({
        ...subject,
        actor: by.actor,
        remote: by.remote,
        outcome: 'failure',
        details: { ...subject.details, code },
      }).catch(() => undefined); // the original error matters more than a failed record of it
      throw error;
    }
    await this.record({ ...subject, actor: by.actor, remote: by.remote, outcome: 'success' });
    return result;
  }
}

/** Cut to the column size; `String` because callers pass what their callers sent, whatever it was. */
function clip(value: unknown, length: number): string {
  const text = String(value);
  return text.length > length ? text.slice(0, length) : text;
}

function toView(row: AuditEvent): AuditEventView {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    tenant: row.tenant,
    action: row.action,
    object: row.object,
    outcome: row.outcome,
    remote: row.remote,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
  };
}

function queryOf(filter: AuditFilter | string): AuditFilter {
  const { tenant, actor, action, from, to, before } =
    typeof filter === 'string' ? { tenant: filter } : filter;
  const query: AuditFilter = {};
  if (tenant !== undefined) query.tenant = String(tenant);
  if (actor !== undefined) query.actor = String(actor);
  if (action !== undefined) query.action = String(action);
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  if (before !== undefined) query.before = String(before);
  return query;
}
