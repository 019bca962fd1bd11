import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Counter, Gauge } from 'prom-client';
import { tenantLabel } from './hashed-label';
import { MetricsRegistry } from './metrics-registry';

/**
 * Tenants given a series of their own in `omega_tenant_requests_total`, in the order they are first seen;
 * later ones count under `other`. A counter's series cannot be dropped without losing its total, so the
 * bound is on first come rather than on the busiest.
 */
export const MAX_TENANT_SERIES = 50;
/** The part cache folder is summed at most this often: a scrape every few seconds must not walk it each time. */
const CACHE_SCAN_MS = 10_000;

/** What a dataset route does to the data: reads answer rows, writes change them. */
export function datasetOperation(method: string, route: string): 'read' | 'write' | undefined {
  if (!route.startsWith('/api/v1/dataset')) return undefined;
  if (method === 'GET' || method === 'HEAD') return 'read';
  // Queries and SQL are POSTs that only read.
  if (/\/(query|sql)$/.test(route)) return 'read';
  return 'write';
}

/**
 * The store's series beside the HTTP ones: dataset reads and writes by outcome, requests per tenant (a
 * bounded number of series), and the local Parquet part cache (its bytes, files, cap, and the free space
 * of its disk), read when scraped.
 */
@Injectable()
export class StoreMetrics {
  private readonly datasetRequests: Counter<'operation' | 'outcome'>;
  private readonly tenantRequests: Counter<'tenant'>;
  /** Tenant to its hashed label: hashed once, not on every request. */
  private readonly namedTenants = new Map<string, string>();
  private cacheScan?: { at: number; result: Promise<CacheUsage> };

  constructor(
    metrics: MetricsRegistry,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {
    const registers = [metrics.registry];
    this.datasetRequests = new Counter({
      name: 'omega_dataset_requests_total',
      help: 'Dataset reads and writes answered, by operation (read, write) and outcome (ok, client_error, server_error)',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.tenantRequests = new Counter({
      name: 'omega_tenant_requests_total',
      help: `Authenticated requests by tenant (hashed; the first ${MAX_TENANT_SERIES} tenants seen, the rest as other)`,
      labelNames: ['tenant'],
      registers,
    });
    const usage = () => this.cacheUsage();
    new Gauge({
      name: 'omega_part_cache_bytes',
      help: 'Bytes of Parquet parts in the local part cache (OMEGA_CACHE_DIR)',
      registers,
      async collect() {
        this.set((await usage()).bytes);
      },
    });
    new Gauge({
      name: 'omega_part_cache_files',
      help: 'Parquet parts in the local part cache',
      registers,
      async collect() {
        this.set((await usage()).files);
      },
    });
    new Gauge({
      name: 'omega_part_cache_max_bytes',
      help: 'The part cache size cap (OMEGA_CACHE_MAX_BYTES)',
      registers,
    }).set(config.cacheMaxBytes);
    new Gauge({
      name: 'omega_part_cache_disk_free_bytes',
      help: 'Free bytes on the file system of the part cache',
      registers,
      async collect() {
        const free = (await usage()).diskFree;
        if (free !== undefined) this.set(free);
      },
    });
    new Gauge({
      name: 'omega_part_cache_disk_size_bytes',
      help: 'Size of the file system of the part cache',
      registers,
      async collect() {
        const size = (await usage()).diskSize;
        if (size !== undefined) this.set(size);
      },
    });
  }

  /** Called for every answered request (see HttpMetricsMiddleware). */
  request(method: string, route: string, status: number, tenant: string | undefined): void {
    const operation = datasetOperation(method, route);
    if (operation) {
      const outcome = status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'ok';
      this.datasetRequests.inc({ operation, outcome });
    }
    if (tenant !== undefined) this.tenantRequests.inc({ tenant: this.tenantSeries(tenant) });
  }

  private tenantSeries(tenant: string): string {
    const named = this.namedTenants.get(tenant);
    if (named !== undefined) return named;
    if (this.namedTenants.size < MAX_TENANT_SERIES) {
      const label = tenantLabel(tenant);
      this.namedTenants.set(tenant, label);
      return label;
    }
    return 'other';
  }

  private cacheUsage(): Promise<CacheUsage> {
    const now = Date.now();
    if (!this.cacheScan || now - this.cacheScan.at > CACHE_SCAN_MS) {
      this.cacheScan = { at: now, result: scanCache(this.config.cacheDir) };
    }
    return this.cacheScan.result;
  }
}

interface CacheUsage {
  bytes: number;
  files: number;
  diskFree?: number;
  diskSize?: number;
}

/** Parts are `<sha256>.parquet` at the top of the cache folder; its scratch/ subfolder is DuckDB's, not parts. */
async function scanCache(dir: string): Promise<CacheUsage> {
  const usage: CacheUsage = { bytes: 0, files: 0 };
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.parquet')) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    usage.bytes += info.size;
    usage.files += 1;
  }
  const disk = await statfs(dir).catch(() => undefined);
  if (disk) {
    usage.diskFree = disk.bavail * disk.bsize;
    usage.diskSize = disk.blocks * disk.bsize;
  }
  return usage;
}
