export * from './http-metrics';
export * from './metrics-registry';
export * from './metrics.controller';
export * from './metrics.module';
export * from './store-metrics';
