import { Injectable } from '@nestjs/common';
import { isDuplicateKey, OmegaError, OmegaErrorCode, TenantContext, TenantDatabases } from '@omega/core';
import { setTimeout as sleep } from 'node:timers/promises';

const COLLECTION = 'omega_job_locks';
/** A holder that died keeps the lock this long at most. */
const LEASE_MS = 10_000;
/** How long a writer waits for the lock before giving up. */
const WAIT_MS = 30_000;

interface LockDocument {
  _id: string;
  expiresAt: Date;
}

/**
 * One writer at a time for a job's run history. The history is a list in the job's Metadata, and a
 * MongoDB-wire server such as FerretDB applies an update as read-then-write, so two runs ending together
 * could each append to the same old list and one run would be lost. The lock is an insert with a unique
 * `_id` (inserts are atomic everywhere); a lock left by a process that died lapses after `LEASE_MS`.
 */
@Injectable()
export class JobHistoryLock {
  constructor(private readonly databases: TenantDatabases) {}

  async hold<T>(ctx: TenantContext, job: string, work: () => Promise<T>): Promise<T> {
    const collection = this.databases.db(ctx).collection<LockDocument>(COLLECTION);
    // JSON keeps bucket and name apart whatever they hold (PostgreSQL text cannot hold NUL).
    const id = JSON.stringify([ctx.bucket, job]);
    const deadline = Date.now() + WAIT_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      const now = new Date();
      try {
        await collection.insertOne({ _id: id, expiresAt: new Date(now.getTime() + LEASE_MS) });
        break;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      await collection.deleteOne({ _id: id, expiresAt: { $lt: now } });
      if (Date.now() > deadline) {
        throw new OmegaError(
          OmegaErrorCode.ServiceUnavailable,
          `The run history of job ${job} stayed locked for ${WAIT_MS / 1000} s`,
        );
      }
      await sleep(delay + Math.random() * delay);
    }
    try {
      return await work();
    } finally {
      await collection.deleteOne({ _id: id }).catch(() => undefined);
    }
  }
}
