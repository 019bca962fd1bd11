export * from './hashed-label';
export * from './http-metrics';
export * from './metrics-registry';
export * from './metrics.controller';
export * from './metrics.module';
export * from './sandbox-metrics';
export * from './store-metrics';
