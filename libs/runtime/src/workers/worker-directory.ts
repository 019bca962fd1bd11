import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, TenantDatabases } from '@omega/core';
import type { Collection } from 'mongodb';

/** Workers report this often; one that missed three reports is taken for dead. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
const ALIVE_WINDOW_MS = 3 * HEARTBEAT_INTERVAL_MS;
/** Label checks at submit time reuse a listing this long: the check is on every synchronous call. */
const LABEL_CACHE_MS = 1_000;

export interface WorkerInfo {
  id: string;
  labels: string[];
  host: string;
  pid: number;
  concurrency: number;
  started: Date;
  /** `broker` for a worker process; `in-process` for the embedded runner inside the API. */
  mode: 'broker' | 'in-process';
  inFlight: number;
  processed: number;
  /** Ids of the tasks running now (at most `concurrency`); kept in the directory, never listed. */
  running?: string[];
}

export interface WorkerStatus extends WorkerInfo {
  seen: Date;
}

interface WorkerDocument extends Omit<WorkerStatus, 'id'> {
  _id: string;
}

/**
 * Which workers are alive and what they consume. Workers serve every tenant, so the directory lives in
 * the platform's own database (`<prefix>__runtime`), which no tenant name can produce.
 */
@Injectable()
export class WorkerDirectory {
  private labelCache?: { at: number; labels: Set<string> };
  private labelRead?: Promise<ReadonlySet<string>>;

  constructor(
    private readonly databases: TenantDatabases,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  async heartbeat(info: WorkerInfo): Promise<void> {
    const { id, ...rest } = info;
    await this.collection().updateOne({ _id: id }, { $set: { ...rest, seen: new Date() } }, { upsert: true });
  }

  async remove(id: string): Promise<void> {
    await this.collection().deleteOne({ _id: id });
  }

  async alive(): Promise<WorkerStatus[]> {
    const since = new Date(Date.now() - ALIVE_WINDOW_MS);
    const documents = await this.collection()
      // Task ids belong to tenants; the listing is for everyone.
      .find({ seen: { $gte: since } }, { projection: { running: 0 } })
      .sort({ _id: 1 })
      .toArray();
    return documents.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  /** Workers that reported within `windowMs`, alive or not (how long ago each reported: the metrics). */
  async recent(windowMs: number): Promise<WorkerStatus[]> {
    const since = new Date(Date.now() - windowMs);
    const documents = await this.collection()
      .find({ seen: { $gte: since } }, { projection: { running: 0 } })
      .toArray();
    return documents.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  /** Whether a worker reported within the alive window that it is running a task. */
  async isRunning(workerId: string, taskId: string): Promise<boolean> {
    const since = new Date(Date.now() - ALIVE_WINDOW_MS);
    const filter = { _id: workerId, seen: { $gte: since }, running: taskId };
    return (await this.collection().countDocuments(filter, { limit: 1 })) > 0;
  }

  /** Whether a live worker other than `except` reported it is running a task (whoever it is). */
  async isRunningElsewhere(taskId: string, except: string): Promise<boolean> {
    const since = new Date(Date.now() - ALIVE_WINDOW_MS);
    const filter = { _id: { $ne: except }, seen: { $gte: since }, running: taskId };
    return (await this.collection().countDocuments(filter, { limit: 1 })) > 0;
  }

  /** The live worker that reported it is running a task, if any. */
  async runningWorker(taskId: string): Promise<string | undefined> {
    const since = new Date(Date.now() - ALIVE_WINDOW_MS);
    const found = await this.collection().findOne(
      { seen: { $gte: since }, running: taskId },
      { projection: { _id: 1 } },
    );
    return found?._id;
  }

  async isLabelServed(label: string): Promise<boolean> {
    return (await this.servedLabels()).has(label);
  }

  /**
   * The labels alive workers consume, read at most once per LABEL_CACHE_MS: answers that name them (the
   * client configuration) are asked on every client start, and need no fresher view than the heartbeats.
   */
  async servedLabels(): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (this.labelCache && now - this.labelCache.at <= LABEL_CACHE_MS) return this.labelCache.labels;
    // Concurrent requests share one read: without it every request arriving while the cache is stale
    // (a burst of clients) would read the heartbeats itself.
    this.labelRead ??= this.alive()
      .then((workers) => {
        const labels = new Set(workers.flatMap((worker) => worker.labels));
        this.labelCache = { at: now, labels };
        return labels;
      })
      .finally(() => (this.labelRead = undefined));
    return this.labelRead;
  }

  private collection(): Collection<WorkerDocument> {
    return this.databases
      .client()
      .db(`${this.config.mongoDbPrefix}__runtime`)
      .collection<WorkerDocument>('workers');
  }
}
