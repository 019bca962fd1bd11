import { Injectable } from '@nestjs/common';
import { MetadataRepository } from '../metadata/metadata.repository';
import { STORE_PREFIXES, StorePrefix } from '../metadata/metadata.schema';
import { PluginRegistry } from '../plugins/plugin-registry';
import { OmegaStore } from './omega-store';

/** Hands out the store of each prefix: `stores.datasets`, `stores.for('models')`. */
@Injectable()
export class OmegaStores {
  private readonly stores: Map<StorePrefix, OmegaStore>;

  constructor(metadataRepository: MetadataRepository, registry: PluginRegistry) {
    this.stores = new Map(
      STORE_PREFIXES.map((prefix) => [prefix, new OmegaStore(prefix, metadataRepository, registry)]),
    );
  }

  for(prefix: StorePrefix): OmegaStore {
    return this.stores.get(prefix) as OmegaStore;
  }

  get datasets(): OmegaStore {
    return this.for('data');
  }

  get files(): OmegaStore {
    return this.for('files');
  }
}
