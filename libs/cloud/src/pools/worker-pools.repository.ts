import { Injectable } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { CloudDatabase } from '../cloud-database';
import type { AppliedPool, WorkerPool } from './worker-pool';

interface PoolDocument extends Omit<WorkerPool, 'label'> {
  _id: string;
}

/** Worker pools as asked for (by the API) and as carried out (by the manager). */
@Injectable()
export class WorkerPoolsRepository {
  constructor(private readonly database: CloudDatabase) {}

  async list(): Promise<WorkerPool[]> {
    const documents = await this.collection().find({}).sort({ _id: 1 }).toArray();
    return documents.map(toPool);
  }

  async get(label: string): Promise<WorkerPool | undefined> {
    const document = await this.collection().findOne({ _id: label });
    return document ? toPool(document) : undefined;
  }

  /**
   * Records a request and answers its generation. Read-then-write: FerretDB's conditional updates are not
   * atomic anyway, and two admins scaling one pool at once end with one of their numbers either way.
   */
  async request(
    label: string,
    wanted: { replicas: number; maxReplicas?: number },
    by: string,
  ): Promise<WorkerPool> {
    const current = await this.get(label);
    const generation = (current?.generation ?? 0) + 1;
    const next: Omit<PoolDocument, '_id'> = {
      replicas: wanted.replicas,
      ...(wanted.maxReplicas !== undefined ? { maxReplicas: wanted.maxReplicas } : {}),
      generation,
      requestedBy: by,
      requestedAt: new Date(),
      ...(current?.applied ? { applied: current.applied } : {}),
    };
    await this.collection().replaceOne({ _id: label }, next, { upsert: true });
    return { label, ...next };
  }

  /** A pool found where the workers run (the chart's), taken as already carried out; false if known. */
  async adopt(label: string, replicas: number, applied: AppliedPool): Promise<boolean> {
    try {
      await this.collection().insertOne({
        _id: label,
        replicas,
        generation: applied.generation,
        requestedBy: 'discovered',
        requestedAt: applied.at,
        applied,
      });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  async markApplied(label: string, applied: AppliedPool): Promise<void> {
    await this.collection().updateOne({ _id: label }, { $set: { applied } });
  }

  private collection(): Collection<PoolDocument> {
    return this.database.db().collection<PoolDocument>('pools');
  }
}

function toPool({ _id, ...rest }: PoolDocument): WorkerPool {
  return { label: _id, ...rest };
}
