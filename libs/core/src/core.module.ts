import { Global, Module } from '@nestjs/common';
import { BlobStore } from './blobs/blob-store';
import { MetadataRepository } from './metadata/metadata.repository';
import { OmegaMongoModule } from './mongo/mongo.module';
import { PluginRegistryModule } from './plugins/plugin-registry.module';
import { OmegaStores } from './store/omega-stores';

/**
 * The storage core: MongoDB access, the Metadata index, the plugin registry, stores and blobs. Apps import
 * it once (after `OmegaConfigModule.forRoot`); kind libs only use what it exports.
 */
@Global()
@Module({
  imports: [OmegaMongoModule, PluginRegistryModule],
  providers: [MetadataRepository, OmegaStores, BlobStore],
  exports: [MetadataRepository, OmegaStores, BlobStore, OmegaMongoModule, PluginRegistryModule],
})
export class OmegaCoreModule {}
