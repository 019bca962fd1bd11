import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsRegistry } from './metrics-registry';
import { StoreMetrics } from './store-metrics';

/**
 * Times every request. The route label is the matched route pattern (`/api/v1/dataset/:name`), never the
 * raw URL, so object names cannot blow up the label space.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly store: StoreMetrics,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path
        ? `${req.baseUrl}${(req.route as { path: string }).path}`
        : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.metrics.latency.observe({ method: req.method, route }, seconds);
      // The principal the auth guard found (passport's `req.user`); absent for public routes and refusals.
      const tenant = (req as Request & { user?: { tenant?: string } }).user?.tenant;
      this.store.request(req.method, route, res.statusCode, tenant);
    });
    next();
  }
}
