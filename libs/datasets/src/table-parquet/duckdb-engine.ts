import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Scratch files older than this at start were left by a process that died mid-write (kill -9, power loss).
 * Younger ones may belong to another process sharing the cache folder (an API and a worker), so they stay.
 */
const STALE_SCRATCH_MS = 24 * 60 * 60 * 1000;

function removeStale(dir: string, before: number): void {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    try {
      const info = statSync(file);
      // Folders (DuckDB's spill folder) are left to DuckDB, which may be using them in another process.
      if (info.isFile() && info.mtimeMs < before) rmSync(file, { force: true });
    } catch {
      // Gone already (another process cleaning up the same folder): nothing to do.
    }
  }
}

/**
 * The process's DuckDB: in memory, reading and writing only inside the part cache. It runs the platform's
 * own statements (part writes, reads with bound parameters); user SQL gets an instance of its own
 * (`SqlSandbox`), since this one may read every tenant's cached parts.
 */
@Injectable()
export class DuckDbEngine implements OnModuleDestroy {
  private instance?: Promise<DuckDBInstance>;
  readonly cacheDir: string;
  /** Where parts are written before they are uploaded, and uploads spooled before they are read. */
  readonly scratchDir: string;

  constructor(@Inject(OMEGA_CONFIG) private readonly config: OmegaConfig) {
    this.cacheDir = config.cacheDir;
    this.scratchDir = join(config.cacheDir, 'scratch');
    mkdirSync(this.scratchDir, { recursive: true });
    removeStale(this.scratchDir, Date.now() - STALE_SCRATCH_MS);
  }

  async connect(): Promise<DuckDBConnection> {
    this.instance ??= this.open();
    return (await this.instance).connect();
  }

  private async open(): Promise<DuckDBInstance> {
    const instance = await DuckDBInstance.create(':memory:', duckdbLimits(this.config));
    const connection = await instance.connect();
    try {
      // The trailing slash keeps `<cache>-other` out; then no file outside the cache, no network, no
      // extension, and no statement may undo that.
      await connection.run(`SET allowed_directories = [${sqlString(`${this.cacheDir}/`)}]`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
    } finally {
      connection.closeSync();
    }
    return instance;
  }

  onModuleDestroy(): void {
    void this.instance?.then((instance) => instance.closeSync()).catch(() => undefined);
  }
}

/**
 * Memory and threads set on purpose: DuckDB's defaults are 80 % of RAM and one thread per core, which on a
 * shared API host would starve the server and the database beside it. Spills go to the cache's scratch.
 */
export function duckdbLimits(config: OmegaConfig): Record<string, string> {
  return {
    memory_limit: `${config.duckdbMemoryMb}MB`,
    threads: String(config.duckdbThreads),
    temp_directory: join(config.cacheDir, 'scratch', 'spill'),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    // DuckDB's default, relied on: reads without a sort answer rows in part order without sorting them.
    preserve_insertion_order: 'true',
  };
}

/** A SQL string literal; only ever used for paths the platform made itself. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A quoted SQL identifier: a user's column or table name as an alias or view name, never anything else. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
