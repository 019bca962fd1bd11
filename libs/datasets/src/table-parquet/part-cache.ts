import { Inject, Injectable, Logger } from '@nestjs/common';
import { BlobStore, OMEGA_CONFIG, OmegaConfig, TenantContext } from '@omega/core';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** Parts fetched from GridFS at once: enough to fill the link, few enough not to flood the database. */
const FETCH_PARALLEL = 4;
const SHA256 = /^[0-9a-f]{64}$/;

export interface CachedPart {
  sha256: string;
  blob: string;
  bytes: number;
}

interface Entry {
  bytes: number;
  used: number;
  pins: number;
}

/**
 * Parquet parts on local disk, named by their sha256: parts never change, so a cached file is valid for as
 * long as it exists, whichever table or tenant refers to it. Least recently used files go past the size
 * cap, except those a running query holds. What is on disk at start is counted again, so the cache
 * survives a restart.
 */
@Injectable()
export class PartCache {
  private readonly logger = new Logger(PartCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly fetching = new Map<string, Promise<void>>();
  private total = 0;
  /** Parts downloaded from GridFS since start: lets tests prove pruning and cache hits. */
  fetched = 0;
  readonly dir: string;
  private readonly maxBytes: number;

  constructor(
    @Inject(OMEGA_CONFIG) config: OmegaConfig,
    private readonly blobs: BlobStore,
  ) {
    this.dir = config.cacheDir;
    this.maxBytes = config.cacheMaxBytes;
    mkdirSync(join(this.dir, 'scratch'), { recursive: true });
    for (const name of readdirSync(this.dir)) {
      const sha = name.replace(/\.parquet$/, '');
      if (!SHA256.test(sha) || !name.endsWith('.parquet')) continue;
      const info = statSync(join(this.dir, name));
      this.entries.set(sha, { bytes: info.size, used: info.atimeMs, pins: 0 });
      this.total += info.size;
    }
  }

  get bytes(): number {
    return this.total;
  }

  path(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a part hash: ${sha256}`);
    return join(this.dir, `${sha256}.parquet`);
  }

  /**
   * Makes the parts local (in parallel, each at most once at a time) and pins them until `release`.
   * Returns their paths in the order given.
   */
  async acquire(ctx: TenantContext, parts: readonly CachedPart[]): Promise<string[]> {
    for (const part of parts) this.pin(part.sha256);
    try {
      let next = 0;
      const worker = async () => {
        while (next < parts.length) {
          const part = parts[next++];
          await this.ensure(ctx, part);
        }
      };
      await Promise.all(Array.from({ length: Math.min(FETCH_PARALLEL, parts.length) }, worker));
    } catch (error) {
      this.release(parts);
      throw error;
    }
    this.evict();
    return parts.map((part) => this.path(part.sha256));
  }

  release(parts: readonly { sha256: string }[]): void {
    for (const part of parts) {
      const entry = this.entries.get(part.sha256);
      if (entry && entry.pins > 0) entry.pins--;
    }
    this.evict();
  }

  /** Takes a part written locally (by a put) into the cache, so the first read after a put is warm. */
  async adopt(file: string, sha256: string, bytes: number): Promise<void> {
    if (this.entries.has(sha256)) {
      await rm(file, { force: true });
      return;
    }
    await rename(file, this.path(sha256));
    this.entries.set(sha256, { bytes, used: Date.now(), pins: 0 });
    this.total += bytes;
    this.evict();
  }

  private pin(sha256: string): void {
    const entry = this.entries.get(sha256);
    if (entry) {
      entry.pins++;
      entry.used = Date.now();
    } else {
      this.entries.set(sha256, { bytes: 0, used: Date.now(), pins: 1 });
    }
  }

  private async ensure(ctx: TenantContext, part: CachedPart): Promise<void> {
    const file = this.path(part.sha256);
    const present = await stat(file).catch(() => undefined);
    if (present) {
      const now = new Date();
      await utimes(file, now, present.mtime).catch(() => undefined);
      // Put there by another process sharing the folder: counted from now on, so the cap holds.
      const entry = this.entries.get(part.sha256);
      if (entry && entry.bytes === 0) {
        entry.bytes = present.size;
        this.total += present.size;
      }
      return;
    }
    let pending = this.fetching.get(part.sha256);
    if (!pending) {
      pending = this.download(ctx, part).finally(() => this.fetching.delete(part.sha256));
      this.fetching.set(part.sha256, pending);
    }
    await pending;
  }

  private async download(ctx: TenantContext, part: CachedPart): Promise<void> {
    const scratch = join(this.dir, 'scratch', `fetch-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(this.blobs.download(ctx, part.blob), count, createWriteStream(scratch));
      const digest = hash.digest('hex');
      // A part is named by its content: bytes that do not hash to the name are never served.
      if (digest !== part.sha256 || bytes !== part.bytes)
        throw new Error(`part ${part.sha256} came back as ${digest} (${bytes} bytes)`);
      await rename(scratch, this.path(part.sha256));
    } catch (error) {
      await rm(scratch, { force: true });
      throw error;
    }
    this.fetched++;
    // A file removed from disk behind the cache's back is counted once, not twice.
    const entry = this.entries.get(part.sha256);
    this.total += bytes - (entry?.bytes ?? 0);
    if (entry) entry.bytes = bytes;
    else this.entries.set(part.sha256, { bytes, used: Date.now(), pins: 0 });
  }

  private evict(): void {
    if (this.total <= this.maxBytes) return;
    const idle = [...this.entries.entries()]
      .filter(([, entry]) => entry.pins === 0 && entry.bytes > 0)
      .sort((a, b) => a[1].used - b[1].used);
    for (const [sha, entry] of idle) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(sha);
      this.total -= entry.bytes;
      rm(this.path(sha), { force: true }).catch((error: Error) =>
        this.logger.warn(`Could not remove cached part ${sha}: ${error.message}`),
      );
    }
  }
}
