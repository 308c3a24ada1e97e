/**
 * Per-request context: dependencies, a request id and one access-log line. The line names the
 * route pattern (`/v1/studies/:id`), never the concrete path, so no UID reaches the logs.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from '../deps';

/** Sets `deps` and `requestId`, echoes `X-Request-Id`, logs method, route, status and time. */
export function requestContext(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = crypto.randomUUID();
    c.set('deps', deps);
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    await next();
    const principal = c.get('principal') as AppEnv['Variables']['principal'] | undefined;
    deps.logger.log(c.res.status >= 500 ? 'error' : 'info', 'request', {
      requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      tenantId: principal?.tenantId,
      keyId: principal?.keyId,
    });
  };
}
