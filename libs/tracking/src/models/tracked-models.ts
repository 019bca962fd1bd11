import { Injectable, OnModuleDestroy } from '@nestjs/common';
import {
  ChangeEvents,
  ChangeInvalidatedCache,
  OmegaError,
  TenantContext,
  TenantDatabases,
} from '@omega/core';
import { ModelsService, parseModelRef } from '@omega/models';
import { ExperimentsService } from '../experiments/experiments.service';

/** Which experiment (and which of its runs) a model's actions are logged into. */
export interface TrackingLink {
  model: string;
  experiment: string;
  run: number;
  since: Date;
  user: string;
}

interface LinkDocument extends TrackingLink {
  _id: string;
  bucket: string;
}

const LINKS = 'tracking_links';
/** The change-event topic of tracking links; an event's key names one model (see `cacheKey`). */
export const TRACKING_LINKS_TOPIC = 'tracking-links';
/** A safety net only: a track or untrack anywhere drops the copies of every process at once. */
const LINK_TTL_MS = 60_000;
/** Models whose link (or absence of one) a process keeps at most (least recently used go first). */
const MAX_ENTRIES = 10_000;

/**
 * Links models to experiments (`PUT /model/{name}/track`). A link names the open run the model's
 * actions go into; it lives in the tenant's database, one per model and bucket.
 *
 * Each process keeps its copy of the links it looked up, the absence of one included, so a call of a
 * model nobody tracks costs a map lookup (`known`). A track or untrack publishes a change event once
 * stored and every process drops its copy; while events are not reliable (the broker connection is down)
 * no copy is trusted, and after a reconnect all are dropped (events may have been missed).
 */
@Injectable()
export class TrackedModels implements OnModuleDestroy {
  private readonly cache: ChangeInvalidatedCache<TrackingLink | null>;

  constructor(
    private readonly databases: TenantDatabases,
    private readonly models: ModelsService,
    private readonly experiments: ExperimentsService,
    events: ChangeEvents,
  ) {
    this.cache = new ChangeInvalidatedCache(events, {
      name: TrackedModels.name,
      topic: TRACKING_LINKS_TOPIC,
      maxEntries: MAX_ENTRIES,
      maxAgeMs: LINK_TTL_MS,
    });
  }

  onModuleDestroy(): void {
    this.cache.close();
  }

  async track(ctx: TenantContext, model: string, experiment: string, user: string): Promise<TrackingLink> {
    const name = parseModelRef(model).name;
    await this.models.metadata(ctx, name);
    const current = await this.link(ctx, name, { fresh: true });
    if (current && current.experiment === experiment) return current;
    await this.experiments.create(ctx, experiment, { existOk: true });
    const run = await this.experiments.startRun(ctx, experiment, user, { source: 'model-tracking' });
    const link: TrackingLink = { model: name, experiment, run: run.run, since: run.start, user };
    const document: LinkDocument = { _id: this.key(ctx, name), bucket: ctx.bucket, ...link };
    await this.collection(ctx).replaceOne({ _id: document._id }, document, { upsert: true });
    await this.changed(ctx, name);
    return link;
  }

  async untrack(ctx: TenantContext, model: string): Promise<void> {
    const name = parseModelRef(model).name;
    const { deletedCount } = await this.collection(ctx).deleteOne({ _id: this.key(ctx, name) });
    await this.changed(ctx, name);
    if (deletedCount === 0) throw OmegaError.notFound(`tracking of model ${name}`);
  }

  /**
   * The model's link (null: not tracked) when this process holds a trusted copy, else undefined; no
   * database read. `name` is a model name, not a reference with a version.
   */
  known(ctx: TenantContext, name: string): TrackingLink | null | undefined {
    return this.cache.peek(this.cacheKey(ctx, name));
  }

  /** The model's link, or null; from this process's copy when it holds a trusted one. */
  async link(
    ctx: TenantContext,
    model: string,
    options: { fresh?: boolean } = {},
  ): Promise<TrackingLink | null> {
    const name = parseModelRef(model).name;
    const lookup = this.cache.lookup(this.cacheKey(ctx, name));
    if (!options.fresh && lookup.value !== undefined) return lookup.value;
    const document = await this.collection(ctx).findOne({ _id: this.key(ctx, name) });
    const link = document
      ? {
          model: document.model,
          experiment: document.experiment,
          run: document.run,
          since: document.since,
          user: document.user,
        }
      : null;
    this.cache.set(lookup, link);
    return link;
  }

  /** The link of a model that must exist (404 otherwise) and be tracked (400 otherwise). */
  async requireLink(ctx: TenantContext, model: string): Promise<TrackingLink> {
    const name = parseModelRef(model).name;
    await this.models.metadata(ctx, name);
    const link = await this.link(ctx, name, { fresh: true });
    if (!link)
      throw OmegaError.invalidInput(`model ${name} is not tracked: PUT /api/v1/model/${name}/track first`);
    return link;
  }

  /**
   * Announces a changed link once it is stored; every process (this one included) drops its copy (see
   * `ChangeInvalidatedCache.announce`).
   */
  private changed(ctx: TenantContext, name: string): Promise<void> {
    return this.cache.announce(this.cacheKey(ctx, name), `a tracking change of model ${name}`);
  }

  private collection(ctx: TenantContext) {
    return this.databases.db(ctx).collection<LinkDocument>(LINKS);
  }

  private key(ctx: TenantContext, name: string): string {
    return `${ctx.bucket}/${name}`;
  }

  private cacheKey(ctx: TenantContext, name: string): string {
    return `${ctx.tenant}/${ctx.qualifier}/${ctx.bucket}/${name}`;
  }
}
