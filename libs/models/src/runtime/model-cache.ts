import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents } from '@omega/core';
import type { LoadedModel } from '../engine/model-engine';
import { MODELS_TOPIC } from './model-metadata-cache';

/** Loaded models kept per process; ONNX sessions hold native memory, so the cache is bounded. */
const MAX_ENTRIES = 32;
/** An evicted model may still be running a call that fetched it just before; free it a little later. */
const DISPOSE_GRACE_MS = 30_000;

/**
 * Loaded models, one per model version (keyed by tenant, bucket, name, version and blob id, so a dropped
 * and re-created model never hits a stale entry). Loading the newest version of a model drops its other
 * cached versions except the one asked for: a changed model frees the old session.
 */
@Injectable()
export class ModelCache implements OnModuleDestroy {
  private readonly logger = new Logger(ModelCache.name);
  private readonly entries = new Map<string, { model: string; loaded: Promise<LoadedModel> }>();
  private readonly unsubscribe: () => void;

  /** A changed or dropped model frees its sessions at once (the next call loads what is current). */
  constructor(events: ChangeEvents) {
    this.unsubscribe = events.subscribe(MODELS_TOPIC, (event) => {
      for (const [id, entry] of this.entries) if (entry.model === event.key) this.drop(id);
    });
  }

  async get(
    key: { model: string; version: number; gridFile: string; latest: number },
    load: () => Promise<LoadedModel>,
  ): Promise<LoadedModel> {
    const id = `${key.model}@${key.version}#${key.gridFile}`;
    const hit = this.entries.get(id);
    if (hit) {
      // Map order is insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit.loaded;
    }
    const loaded = load();
    this.entries.set(id, { model: key.model, loaded });
    loaded.catch(() => this.entries.delete(id));
    this.evict(key.model, id, key.version === key.latest);
    return loaded;
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe();
    for (const id of [...this.entries.keys()]) this.drop(id, 0);
  }

  private evict(model: string, keep: string, isLatest: boolean): void {
    if (isLatest) {
      for (const [id, entry] of this.entries) if (entry.model === model && id !== keep) this.drop(id);
    }
    while (this.entries.size > MAX_ENTRIES) this.drop(this.entries.keys().next().value as string);
  }

  private drop(id: string, graceMs = DISPOSE_GRACE_MS): void {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    if (!entry) return;
    const dispose = (): void => {
      void entry.loaded
        .then((model) => model.dispose?.())
        .catch((error: Error) => this.logger.warn(`Could not free model ${id}: ${error.message}`));
    };
    if (graceMs === 0) dispose();
    else setTimeout(dispose, graceMs).unref();
  }
}
