import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/** The storage prefixes: one per family of objects (`experiments`: experiment trackers of libs/tracking). */
export const STORE_PREFIXES = ['data', 'files', 'models', 'scripts', 'jobs', 'experiments'] as const;
export type StorePrefix = (typeof STORE_PREFIXES)[number];

/**
 * One entry of the storage index: what an object is called, which plugin owns it and where its bytes
 * live. The plugin's own facts (columns, sizes, signatures) sit in `kindMeta`; the user's in `attributes`.
 */
@Schema({ collection: 'metadata', versionKey: false, minimize: false, suppressReservedKeysWarning: true })
export class Metadata {
  @Prop({ required: true }) name!: string;
  @Prop({ required: true }) bucket!: string;
  @Prop({ required: true }) prefix!: string;
  @Prop({ required: true }) kind!: string;
  @Prop({ type: MongooseSchema.Types.Mixed, default: {} }) attributes!: Record<string, unknown>;
  @Prop({ type: MongooseSchema.Types.Mixed, default: {} }) kindMeta!: Record<string, unknown>;
  @Prop() collection?: string;
  @Prop() gridFile?: string;
  @Prop() uri?: string;
  @Prop({ required: true }) created!: Date;
  @Prop({ required: true }) modified!: Date;
}

export const MetadataSchema = SchemaFactory.createForClass(Metadata);
MetadataSchema.index({ bucket: 1, prefix: 1, name: 1 }, { unique: true, name: 'bucket_prefix_name' });
MetadataSchema.index({ bucket: 1, prefix: 1, kind: 1 }, { name: 'bucket_prefix_kind' });

/** Metadata as the store hands it around: a plain object, never a Mongoose document. */
export type MetadataRecord = Metadata;
