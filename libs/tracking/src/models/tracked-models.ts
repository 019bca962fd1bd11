import { Injectable } from '@nestjs/common';
import { OmegaError, TenantContext, TenantDatabases } from '@omega/core';
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
/** How long a process trusts its copy of a link: another API replica's change shows within this time. */
const LINK_TTL_MS = 10_000;

/**
 * Links models to experiments (`PUT /model/{name}/track`). A link names the open run the model's
 * actions go into; it lives in the tenant's database, one per model and bucket.
 */
@Injectable()
export class TrackedModels {
  private readonly cache = new Map<string, { link: TrackingLink | null; at: number }>();

  constructor(
    private readonly databases: TenantDatabases,
    private readonly models: ModelsService,
    private readonly experiments: ExperimentsService,
  ) {}

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
    this.cache.set(this.cacheKey(ctx, name), { link, at: Date.now() });
    return link;
  }

  async untrack(ctx: TenantContext, model: string): Promise<void> {
    const name = parseModelRef(model).name;
    const { deletedCount } = await this.collection(ctx).deleteOne({ _id: this.key(ctx, name) });
    this.cache.delete(this.cacheKey(ctx, name));
    if (deletedCount === 0) throw OmegaError.notFound(`tracking of model ${name}`);
  }

  /** The model's link, or null; from this process's copy when it is recent. */
  async link(
    ctx: TenantContext,
    model: string,
    options: { fresh?: boolean } = {},
  ): Promise<TrackingLink | null> {
    const name = parseModelRef(model).name;
    const key = this.cacheKey(ctx, name);
    const cached = this.cache.get(key);
    if (!options.fresh && cached && Date.now() - cached.at < LINK_TTL_MS) return cached.link;
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
    this.cache.set(key, { link, at: Date.now() });
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
