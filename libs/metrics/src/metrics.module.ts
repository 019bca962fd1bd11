import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { SandboxMetrics } from './sandbox-metrics';
import { StoreMetrics } from './store-metrics';

/** Prometheus metrics at `/metrics`; importing the module is enough to time every route. */
@Module({
  controllers: [MetricsController],
  providers: [MetricsRegistry, StoreMetrics, SandboxMetrics, HttpMetricsMiddleware],
  exports: [MetricsRegistry, StoreMetrics, SandboxMetrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
