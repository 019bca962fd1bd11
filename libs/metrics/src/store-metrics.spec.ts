import { loadConfig } from '@omega/core';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsRegistry } from './metrics-registry';
import { tenantLabel } from './hashed-label';
import { datasetOperation, MAX_TENANT_SERIES, StoreMetrics } from './store-metrics';

describe('StoreMetrics', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-metrics-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function make(): { registry: MetricsRegistry; store: StoreMetrics } {
    const registry = new MetricsRegistry();
    const config = { ...loadConfig({}), cacheDir: dir, cacheMaxBytes: 1000 };
    return { registry, store: new StoreMetrics(registry, config) };
  }

  it('tells dataset reads from writes by method and route', () => {
    expect(datasetOperation('GET', '/api/v1/dataset/:name')).toBe('read');
    expect(datasetOperation('POST', '/api/v1/dataset/:name/query')).toBe('read');
    expect(datasetOperation('POST', '/api/v1/dataset/sql')).toBe('read');
    expect(datasetOperation('PUT', '/api/v1/dataset/:name')).toBe('write');
    expect(datasetOperation('DELETE', '/api/v1/dataset/:name')).toBe('write');
    expect(datasetOperation('GET', '/api/v1/model/:name')).toBeUndefined();
  });

  it('counts dataset requests by outcome and names no tenant in clear', async () => {
    const { registry, store } = make();
    store.request('PUT', '/api/v1/dataset/:name', 200, 'acme');
    store.request('GET', '/api/v1/dataset/:name', 404, 'acme');
    store.request('GET', '/api/v1/dataset/:name', 500, undefined);
    const text = await registry.registry.metrics();
    expect(text).toContain('omega_dataset_requests_total{operation="write",outcome="ok"} 1');
    expect(text).toContain('omega_dataset_requests_total{operation="read",outcome="client_error"} 1');
    expect(text).toContain('omega_dataset_requests_total{operation="read",outcome="server_error"} 1');
    expect(text).toContain(`omega_tenant_requests_total{tenant="${tenantLabel('acme')}"} 2`);
    expect(text).not.toContain('acme');
  });

  it('bounds the tenant series: tenants past the first ones count as other', async () => {
    const { registry, store } = make();
    for (let i = 0; i < MAX_TENANT_SERIES + 5; i++) store.request('GET', '/api/v1/model/', 200, `tenant${i}`);
    store.request('GET', '/api/v1/model/', 200, 'tenant0');
    const text = await registry.registry.metrics();
    const series = text.split('\n').filter((line) => line.startsWith('omega_tenant_requests_total{'));
    expect(series).toHaveLength(MAX_TENANT_SERIES + 1);
    expect(text).toContain('omega_tenant_requests_total{tenant="other"} 5');
    expect(text).toContain(`omega_tenant_requests_total{tenant="${tenantLabel('tenant0')}"} 2`);
  });

  it("reports the part cache's parts, cap and disk, leaving DuckDB's scratch out", async () => {
    writeFileSync(join(dir, `${'a'.repeat(64)}.parquet`), Buffer.alloc(300));
    writeFileSync(join(dir, `${'b'.repeat(64)}.parquet`), Buffer.alloc(200));
    mkdirSync(join(dir, 'scratch'));
    writeFileSync(join(dir, 'scratch', 'spill.tmp'), Buffer.alloc(5000));
    const { registry } = make();
    const text = await registry.registry.metrics();
    expect(text).toContain('omega_part_cache_bytes 500');
    expect(text).toContain('omega_part_cache_files 2');
    expect(text).toContain('omega_part_cache_max_bytes 1000');
    expect(text).toMatch(/omega_part_cache_disk_free_bytes [1-9]\d*/);
    expect(text).toMatch(/omega_part_cache_disk_size_bytes [1-9]\d*/);
  });
});
