import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CLOUD_SETTINGS } from '../cloud-settings.provider';
import type { CloudSettings } from '../cloud-settings';
import { WORKER_DRIVER, type WorkerDriver } from '../drivers/worker-driver';
import { LiveSettings } from '../settings/live-settings';
import type { WorkerPool } from '../pools/worker-pool';
import { WorkerPoolsRepository } from '../pools/worker-pools.repository';
import { ManagerLease } from './manager-lease';

/** A driver without supervision still looks at its pools this often (someone may have edited them)… */
const REFRESH_MS = 30_000;
/** …and this often while a pool has fewer ready workers than asked for, so waiting callers hear soon. */
const CONVERGING_MS = 3_000;

/**
 * The manager's loop: while it holds the lease, it makes every pool what the API last asked for through
 * the driver and records what it did (`applied`), which the API waits for. The API never talks to the
 * manager directly: requests and answers are documents in the cloud database, so any number of API
 * replicas work with whichever manager holds the lease, and a request made while no manager runs is
 * carried out when one starts.
 */
@Injectable()
export class PoolReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('PoolReconciler');
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private leader = false;
  private discovered = false;
  private stopped = false;
  private readonly lastApplied = new Map<string, { key: string; at: number }>();

  constructor(
    private readonly pools: WorkerPoolsRepository,
    private readonly settings: LiveSettings,
    private readonly lease: ManagerLease,
    @Inject(WORKER_DRIVER) private readonly driver: WorkerDriver,
    @Inject(CLOUD_SETTINGS) private readonly cloud: CloudSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.cloud.driver === 'none') return;
    this.logger.log(`cloud manager ${this.id}: driver ${this.driver.name}`);
    const tick = (): void => {
      this.round = this.reconcile()
        .catch((error: Error) => this.logger.error(`reconcile failed: ${error.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.cloud.reconcileMs);
        });
    };
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.cloud.driver === 'none') return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    await this.driver.shutdown();
    await this.lease.release(this.id).catch(() => undefined);
    await this.lease.forget(this.id).catch(() => undefined);
  }

  /** One round; exposed for tests that drive the loop themselves. */
  async reconcile(): Promise<void> {
    this.leader = await this.lease.hold(this.id);
    await this.lease.heartbeat({
      id: this.id,
      driver: this.driver.name,
      host: hostname(),
      pid: process.pid,
      leader: this.leader,
      seen: new Date(),
    });
    if (!this.leader) {
      this.discovered = false;
      return;
    }
    if (!this.discovered) await this.adoptDiscovered();
    const concurrency = await this.settings.value('workers.concurrency');
    for (const pool of await this.pools.list()) {
      if (this.stopped) return;
      await this.applyPool(pool, concurrency);
    }
  }

  /** On taking the lease: pools the driver finds but the database does not know are recorded as they are. */
  private async adoptDiscovered(): Promise<void> {
    for (const found of await this.driver.discover()) {
      const applied = {
        generation: 1,
        running: found.replicas,
        ready: 0,
        driver: this.driver.name,
        manager: this.id,
        at: new Date(),
      };
      if (await this.pools.adopt(found.label, found.replicas, applied))
        this.logger.log(`adopted pool ${found.label} (${found.replicas} replicas)`);
    }
    this.discovered = true;
  }

  private async applyPool(pool: WorkerPool, concurrency: number): Promise<void> {
    const key = `${pool.generation}/${concurrency}`;
    const last = this.lastApplied.get(pool.label);
    const due =
      this.driver.supervises ||
      pool.applied?.generation !== pool.generation ||
      pool.applied?.error !== undefined ||
      last?.key !== key ||
      Date.now() - last.at > (converged(pool) ? REFRESH_MS : CONVERGING_MS);
    if (!due) return;
    const target = { label: pool.label, replicas: pool.replicas, maxReplicas: pool.maxReplicas, concurrency };
    const base = { generation: pool.generation, driver: this.driver.name, manager: this.id, at: new Date() };
    try {
      const seen = await this.driver.apply(target);
      const changed =
        pool.applied?.generation !== pool.generation ||
        pool.applied.running !== seen.running ||
        pool.applied.ready !== seen.ready ||
        pool.applied.error !== undefined;
      if (changed) await this.pools.markApplied(pool.label, { ...base, ...seen });
      this.lastApplied.set(pool.label, { key, at: Date.now() });
    } catch (error) {
      const message = (error as Error).message;
      this.logger.error(`pool ${pool.label}: ${message}`);
      await this.pools.markApplied(pool.label, {
        ...base,
        running: pool.applied?.running ?? 0,
        ready: pool.applied?.ready ?? 0,
        error: message.slice(0, 500),
      });
    }
  }
}

function converged(pool: WorkerPool): boolean {
  return pool.applied !== undefined && pool.applied.ready >= pool.replicas;
}
