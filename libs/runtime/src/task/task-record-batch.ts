import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { TenantContext, TenantDatabases } from '@omega/core';
import { FinishedRecord, TaskRecordsRepository } from './task-records.repository';
import { WriteBatch } from './write-batch';

/** A batch is written at the latest this long after its first record… */
export const RECORD_BATCH_WINDOW_MS = 100;
/** …or as soon as it holds this many records. */
const RECORD_BATCH_SIZE = 500;
/** A batch the database refused is tried this often in all before its records are given up (and logged). */
const RECORD_BATCH_TRIES = 5;

interface Attempt {
  record: FinishedRecord;
  tries: number;
}

/**
 * Records of synchronous calls, written after their callers had the answer: one `insertMany` per tenant
 * database every RECORD_BATCH_WINDOW_MS (or every RECORD_BATCH_SIZE records), so a call costs no database
 * write on its way. `GET /api/v1/task/{id}` finds such a task once its window closed. Shutdown writes what
 * is left; a process killed outright loses the records of its last window (never an answer: its callers
 * already had theirs).
 */
@Injectable()
export class TaskRecordBatch implements BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskRecordBatch.name);
  private readonly batch = new WriteBatch<TenantContext, Attempt>({
    windowMs: RECORD_BATCH_WINDOW_MS,
    maxSize: RECORD_BATCH_SIZE,
    write: (ctx, attempts) => this.write(ctx, attempts),
  });

  constructor(
    private readonly records: TaskRecordsRepository,
    private readonly databases: TenantDatabases,
  ) {}

  add(ctx: TenantContext, record: FinishedRecord, tries = 0): void {
    void this.batch.add(this.databases.databaseName(ctx), ctx, { record, tries });
  }

  /** Writes every record held now; resolves once they (and any write under way) are stored or given up. */
  flush(): Promise<void> {
    return this.batch.flush();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** One tenant's records in one `insertMany`; refused, they go into a later batch, RECORD_BATCH_TRIES in all. */
  private async write(ctx: TenantContext, attempts: Attempt[]): Promise<void[]> {
    try {
      await this.records.insertFinished(
        ctx,
        attempts.map((attempt) => attempt.record),
      );
    } catch (error) {
      const message = (error as Error).message;
      const given = attempts.filter((attempt) => attempt.tries + 1 >= RECORD_BATCH_TRIES);
      if (given.length > 0) {
        const ids = given.map((attempt) => attempt.record.task.id).join(', ');
        this.logger.error(`Gave up recording ${given.length} finished task(s) (${ids}): ${message}`);
      }
      const again = attempts.filter((attempt) => attempt.tries + 1 < RECORD_BATCH_TRIES);
      if (again.length > 0) {
        this.logger.warn(`Could not record ${again.length} finished task(s), trying again: ${message}`);
        for (const attempt of again) this.add(ctx, attempt.record, attempt.tries + 1);
      }
    }
    return [];
  }
}
