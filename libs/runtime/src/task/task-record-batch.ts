import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { TenantContext, TenantDatabases } from '@omega/core';
import { FinishedRecord, TaskRecordsRepository } from './task-records.repository';

/** A batch is written at the latest this long after its first record… */
export const RECORD_BATCH_WINDOW_MS = 100;
/** …or as soon as it holds this many records. */
const RECORD_BATCH_SIZE = 500;
/** A batch the database refused is tried this often in all before its records are given up (and logged). */
const RECORD_BATCH_TRIES = 5;

interface Pending {
  ctx: TenantContext;
  records: FinishedRecord[];
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
  private pending = new Map<string, Pending>();
  private count = 0;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly records: TaskRecordsRepository,
    private readonly databases: TenantDatabases,
  ) {}

  add(ctx: TenantContext, record: FinishedRecord): void {
    const database = this.databases.databaseName(ctx);
    const group = this.pending.get(database) ?? { ctx, records: [], tries: 0 };
    group.records.push(record);
    this.pending.set(database, group);
    this.count++;
    if (this.count >= RECORD_BATCH_SIZE) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), RECORD_BATCH_WINDOW_MS);
  }

  /** Writes every record held now; resolves once they (and any write under way) are stored or given up. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const groups = [...this.pending.values()];
    this.pending = new Map();
    this.count = 0;
    // Writes follow each other, so a shutdown flush waits for a window's write still under way.
    this.writing = this.writing.then(() => this.write(groups));
    return this.writing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async write(groups: Pending[]): Promise<void> {
    await Promise.all(
      groups.map(async (group) => {
        try {
          await this.records.insertFinished(group.ctx, group.records);
        } catch (error) {
          const message = (error as Error).message;
          if (group.tries + 1 >= RECORD_BATCH_TRIES) {
            const ids = group.records.map((record) => record.task.id).join(', ');
            this.logger.error(
              `Gave up recording ${group.records.length} finished task(s) (${ids}): ${message}`,
            );
            return;
          }
          this.logger.warn(
            `Could not record ${group.records.length} finished task(s), trying again: ${message}`,
          );
          for (const record of group.records) this.add(group.ctx, record);
          const again = this.pending.get(this.databases.databaseName(group.ctx));
          if (again) again.tries = group.tries + 1;
        }
      }),
    );
  }
}
