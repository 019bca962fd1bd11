import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { TenantContext } from '@omega/core';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MssqlPool, MssqlRowDriver } from '../drivers/mssql.driver';
import { MysqlConnection, MysqlRowDriver } from '../drivers/mysql.driver';
import { PgAcquire, PostgresRowDriver } from '../drivers/postgres.driver';
import type { SqlRowDriver } from '../drivers/sql-driver';
import { SqliteRowDriver } from '../drivers/sqlite.driver';
import { parseTarget, redactUrl, SqlTarget } from '../url/sql-url';
import { dataSourceOptions, SqlServerAccess } from './data-source-options';
import { ConnectFailure } from './sql-errors';

/** A pool unused this long is closed. */
export const POOL_IDLE_MS = 60_000;
const SWEEP_MS = 15_000;
/** Pools kept at most; the least recently used idle ones close first. */
const MAX_POOLS = 32;

interface PoolEntry {
  dataSource: Promise<DataSource>;
  label: string;
  leases: number;
  lastUsed: number;
}

/** A driver on a pool, held while a read runs; `release()` lets the pool idle out again. */
export interface SqlLease {
  driver: SqlRowDriver;
  release(): void;
}

/**
 * One TypeORM DataSource (a small pool) per referenced server, per tenant: cached by tenant and resolved
 * URL, closed after idling and on shutdown. Keys are hashes, so no password sits in a map key.
 */
@Injectable()
export class SqlConnections implements OnModuleDestroy {
  private readonly logger = new Logger(SqlConnections.name);
  private readonly pools = new Map<string, PoolEntry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => void this.sweep(POOL_IDLE_MS), SWEEP_MS);
    this.sweeper.unref();
  }

  /**
   * A driver for one read. `location` is where the reference was checked to lead: the address a
   * server's name resolved to, or a SQLite file's real path; statements stop after `timeoutMs`.
   */
  lease(ctx: TenantContext, resolvedUrl: string, limits: { location?: string; timeoutMs: number }): SqlLease {
    const target = parseTarget(resolvedUrl);
    if (target.dialect === 'sqlite') {
      const driver = new SqliteRowDriver(limits.location ?? target.path, limits.timeoutMs);
      return { driver, release: () => undefined };
    }
    const access = { address: limits.location ?? target.host, timeoutMs: limits.timeoutMs };
    const entry = this.pool(ctx, resolvedUrl, target, access);
    entry.leases++;
    entry.lastUsed = Date.now();
    const ready = () =>
      entry.dataSource.catch((error: unknown) => {
        throw new ConnectFailure(error);
      });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      entry.leases--;
      entry.lastUsed = Date.now();
    };
    return { driver: rowDriver(target.dialect, ready, access.timeoutMs), release };
  }

  /** Pools currently open (for tests and metrics). */
  get size(): number {
    return this.pools.size;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.pools.keys()].map((key) => this.close(key)));
  }

  /** Closes pools idle for `idleMs` or more. */
  async sweep(idleMs: number): Promise<void> {
    const now = Date.now();
    const idle = [...this.pools.entries()].filter(
      ([, entry]) => entry.leases === 0 && now - entry.lastUsed >= idleMs,
    );
    await Promise.all(idle.map(([key]) => this.close(key)));
  }

  private pool(
    ctx: TenantContext,
    resolvedUrl: string,
    target: Exclude<SqlTarget, { dialect: 'sqlite' }>,
    access: SqlServerAccess,
  ): PoolEntry {
    // The address is part of the key: a name that resolves elsewhere later gets a pool of its own.
    const key = createHash('sha256')
      .update(`${ctx.tenant}\n${resolvedUrl}\n${access.address}\n${access.timeoutMs}`)
      .digest('hex');
    const existing = this.pools.get(key);
    if (existing) return existing;
    const label = redactUrl(resolvedUrl);
    const dataSource = new DataSource(dataSourceOptions(target, access));
    const entry: PoolEntry = {
      label,
      leases: 0,
      lastUsed: Date.now(),
      dataSource: dataSource.initialize().then(
        (ready) => {
          this.logger.log(`opened a ${target.dialect} pool to ${label} for tenant ${ctx.tenant}`);
          return ready;
        },
        (error: unknown) => {
          // A failed connect is not cached: the next read tries again.
          if (this.pools.get(key) === entry) this.pools.delete(key);
          throw error;
        },
      ),
    };
    entry.dataSource.catch(() => undefined);
    this.pools.set(key, entry);
    this.evictBeyondLimit();
    return entry;
  }

  private evictBeyondLimit(): void {
    if (this.pools.size <= MAX_POOLS) return;
    const idle = [...this.pools.entries()]
      .filter(([, entry]) => entry.leases === 0)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key] of idle.slice(0, this.pools.size - MAX_POOLS)) void this.close(key);
  }

  private async close(key: string): Promise<void> {
    const entry = this.pools.get(key);
    if (!entry) return;
    this.pools.delete(key);
    const dataSource = await entry.dataSource.catch(() => undefined);
    if (dataSource?.isInitialized) {
      await dataSource
        .destroy()
        .catch((error: Error) => this.logger.warn(`closing ${entry.label}: ${error.message}`));
      this.logger.log(`closed the pool to ${entry.label}`);
    }
  }
}

interface DriverInternals {
  obtainMasterConnection(): Promise<unknown>;
  master?: unknown;
}

function rowDriver(
  dialect: 'postgres' | 'mysql' | 'mssql',
  ready: () => Promise<DataSource>,
  timeoutMs: number,
): SqlRowDriver {
  const driver = async () => (await ready()).driver as unknown as DriverInternals;
  const connectFailure = (error: unknown) => {
    throw new ConnectFailure(error);
  };
  switch (dialect) {
    case 'postgres': {
      const acquire: PgAcquire = async () =>
        (await driver()).obtainMasterConnection().catch(connectFailure) as ReturnType<PgAcquire>;
      return new PostgresRowDriver(acquire);
    }
    case 'mysql':
      return new MysqlRowDriver(
        async () =>
          (await driver()).obtainMasterConnection().catch(connectFailure) as Promise<MysqlConnection>,
        timeoutMs,
      );
    case 'mssql':
      return new MssqlRowDriver(async () => (await driver()).master as MssqlPool);
  }
}
