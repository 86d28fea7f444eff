import type Koa from 'koa';
import type { Metrics } from './metrics.js';
import type { Readiness } from './readiness.js';

/** `GET /healthz`, `/readyz` and `/metrics`, for the webhook and for a worker on its own. */
export function opsRoutes(options: { metrics?: Metrics; readiness?: () => Promise<Readiness> }): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET') return next();
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
    } else if (ctx.path === '/readyz' && options.readiness) {
      const readiness = await options.readiness();
      ctx.status = readiness.ready ? 200 : 503;
      ctx.body = readiness;
    } else if (ctx.path === '/metrics' && options.metrics) {
      ctx.type = options.metrics.registry.contentType;
      ctx.body = await options.metrics.registry.metrics();
    } else {
      return next();
    }
  };
}
