import type { TestApp } from './test-app';

export interface Route {
  method: string;
  /** Express's path pattern, e.g. `/api/v1/dataset/:name`. */
  path: string;
}

/** Every route of the running Express app: Nest's controllers and what was mounted beside them. */
export function routesOf(t: TestApp): Route[] {
  const express = t.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const routes: Route[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, enabled] of Object.entries(layer.route.methods)) {
      if (enabled && method !== '_all') routes.push({ method: method.toUpperCase(), path: layer.route.path });
    }
  }
  return routes;
}
