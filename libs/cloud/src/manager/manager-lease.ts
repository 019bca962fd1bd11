import { Injectable } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { CloudDatabase } from '../cloud-database';

/** A lease not renewed for this long is free: its holder is taken for dead. */
export const LEASE_MS = 10_000;

interface LeaseDocument {
  _id: string;
  holder: string;
  until: Date;
}

interface ManagerDocument {
  _id: string;
  driver: string;
  host: string;
  pid: number;
  leader: boolean;
  seen: Date;
}

export type ManagerView = Omit<ManagerDocument, '_id'> & { id: string };

/**
 * One manager at a time carries out pool changes (two local drivers would each start every worker); the
 * others stand by. An insert with a unique `_id` is the one atomic step FerretDB offers, so the lease is a
 * document inserted by whoever finds it free.
 */
@Injectable()
export class ManagerLease {
  constructor(private readonly database: CloudDatabase) {}

  /** Takes or renews the lease; whether `holder` has it now. */
  async hold(holder: string): Promise<boolean> {
    const leases = this.leases();
    const until = new Date(Date.now() + LEASE_MS);
    const renewed = await leases.updateOne({ _id: 'pools', holder }, { $set: { until } });
    if (renewed.matchedCount > 0) return true;
    await leases.deleteOne({ _id: 'pools', until: { $lt: new Date() } });
    try {
      await leases.insertOne({ _id: 'pools', holder, until });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  async release(holder: string): Promise<void> {
    await this.leases().deleteOne({ _id: 'pools', holder });
  }

  async heartbeat(manager: ManagerView): Promise<void> {
    const { id, ...rest } = manager;
    await this.managers().replaceOne({ _id: id }, rest, { upsert: true });
  }

  async forget(id: string): Promise<void> {
    await this.managers().deleteOne({ _id: id });
  }

  /** Managers seen within the lease window. */
  async alive(): Promise<ManagerView[]> {
    const since = new Date(Date.now() - LEASE_MS);
    const documents = await this.managers()
      .find({ seen: { $gte: since } })
      .sort({ _id: 1 })
      .toArray();
    return documents.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  private leases(): Collection<LeaseDocument> {
    return this.database.db().collection<LeaseDocument>('leases');
  }

  private managers(): Collection<ManagerDocument> {
    return this.database.db().collection<ManagerDocument>('managers');
  }
}
