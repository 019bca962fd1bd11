import { Injectable } from '@nestjs/common';
import {
  BlobStore,
  MetadataRecord,
  OmegaError,
  PutTarget,
  StoragePlugin,
  StoragePluginContract,
  StoredPayload,
  TenantContext,
} from '@omega/core';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RunIdentity } from '../auth/scoped-token';
import type { BuiltScript } from '../build/script-builder';

export const SCRIPT_KIND = 'script.js';
export const SCRIPTS_PREFIX = 'scripts';

/** What a put of a script stores: the built bundle, the source as uploaded, and who owns it. */
export class ScriptPackage {
  constructor(
    readonly built: BuiltScript,
    readonly source: { filename: string; content: Buffer },
    readonly owner: RunIdentity,
  ) {}
}

export interface ScriptKindMeta {
  language: BuiltScript['language'];
  entry: string;
  /** A list, not an object: package names hold dots, which document keys may not. */
  dependencies: { name: string; version: string }[];
  bundleSize: number;
  sha256: string;
  source: { filename: string; size: number; gridFile: string };
  owner: RunIdentity;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * `script.js`: a JavaScript or TypeScript module exporting `run(om, ...args)`. The runnable bundle is the
 * entry's `gridFile`; the source as uploaded is kept beside it (`kindMeta.source`).
 */
@Injectable()
@StoragePlugin({ kind: SCRIPT_KIND, prefixes: [SCRIPTS_PREFIX], priority: 10 })
export class ScriptPlugin implements StoragePluginContract<Buffer> {
  constructor(private readonly blobs: BlobStore) {}

  supports(input: unknown): boolean {
    return input instanceof ScriptPackage;
  }

  async put(ctx: TenantContext, input: unknown, target: PutTarget): Promise<StoredPayload> {
    if (!(input instanceof ScriptPackage)) throw OmegaError.invalidInput('A script is stored from an upload');
    const bundle = await this.blobs.upload(ctx, Readable.from([input.built.bundle]), {
      filename: `${target.prefix}/${target.name}.bundle.js`,
      contentType: 'text/javascript',
    });
    let source;
    try {
      source = await this.blobs.upload(ctx, Readable.from([input.source.content]), {
        filename: `${target.prefix}/${target.name}/${input.source.filename}`,
        contentType: 'application/octet-stream',
      });
    } catch (error) {
      await this.blobs.remove(ctx, bundle.id);
      throw error;
    }
    const kindMeta: ScriptKindMeta = {
      language: input.built.language,
      entry: input.built.entry,
      dependencies: Object.entries(input.built.dependencies).map(([name, version]) => ({ name, version })),
      bundleSize: bundle.length,
      sha256: createHash('sha256').update(input.built.bundle).digest('hex'),
      source: { filename: input.source.filename, size: source.length, gridFile: source.id },
      owner: input.owner,
    };
    return { gridFile: bundle.id, kindMeta: { ...kindMeta } };
  }

  /** The bundle to run. */
  async get(ctx: TenantContext, meta: MetadataRecord): Promise<Buffer> {
    if (!meta.gridFile) throw OmegaError.notFound(`${meta.prefix}/${meta.name} bundle`);
    return collect(this.blobs.download(ctx, meta.gridFile));
  }

  /** Clients see what the script is, not where its bytes or its owner's internal id are. */
  publicKindMeta(meta: MetadataRecord): Record<string, unknown> {
    const kindMeta = meta.kindMeta as unknown as ScriptKindMeta;
    return {
      language: kindMeta.language,
      entry: kindMeta.entry,
      dependencies: Object.fromEntries(
        (kindMeta.dependencies ?? []).map((dependency) => [dependency.name, dependency.version]),
      ),
      bundleSize: kindMeta.bundleSize,
      sha256: kindMeta.sha256,
      source: { filename: kindMeta.source?.filename, size: kindMeta.source?.size },
      owner: kindMeta.owner?.userid,
    };
  }

  async release(ctx: TenantContext, meta: Pick<MetadataRecord, 'gridFile' | 'kindMeta'>): Promise<void> {
    if (meta.gridFile) await this.blobs.remove(ctx, meta.gridFile);
    const source = (meta.kindMeta as Partial<ScriptKindMeta> | undefined)?.source?.gridFile;
    if (source) await this.blobs.remove(ctx, source);
  }
}
