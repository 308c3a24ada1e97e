/**
 * The Hono application, the same on Node and on Workers: middleware, one router per resource,
 * the OpenAPI 3.1 document and the single error handler.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps, AppEnv } from './deps';
import { ApiError, toErrorResponse } from './errors';
import { authenticate, KeyCache } from './middleware/auth';
import { mediaType } from './middleware/body';
import { corsPolicy, securityHeaders } from './middleware/headers';
import { requestContext } from './middleware/context';
import { rateLimit } from './middleware/rate-limit';
import { adminRoutes } from './routes/admin';
import { alerts } from './routes/alerts';
import { artifacts } from './routes/artifacts';
import { dicomweb } from './routes/dicomweb';
import { dicomwebQido } from './routes/dicomweb-qido';
import { dicomwebWado } from './routes/dicomweb-wado';
import { instances } from './routes/instances';
import { jobs } from './routes/jobs';
import { labels } from './routes/labels';
import { metrics } from './routes/metrics';
import { models } from './routes/models';
import { report } from './routes/report';
import { runner } from './routes/runner';
import { runnerDeploy } from './routes/runner-deploy';
import { studies } from './routes/studies';
import { thresholds } from './routes/thresholds';
import { webhooks } from './routes/webhooks';
// Dashboard accounts and sessions (issue 16).
import { sessionAuth, usesSession } from './middleware/session';
import { sessionRoutes } from './routes/session';
import { users } from './routes/users';
// Administration and single sign-on (issue 18).
import { auditExport } from './routes/audit-export';
import { password } from './routes/password';
import { sso } from './routes/sso';
import { ssoConfig } from './routes/sso-config';
import { WorklistCache } from './worklist-cache';
import { CohortCache } from './quality/cohort-cache';

/** Paths served without a key. */
const PUBLIC = new Set(['/v1/openapi.json', '/v1/health', '/v1/auth/sign-in', '/v1/auth/set-password', '/v1/auth/sso']);
/** Single sign-on's start and callback (issue 18): reached by a browser before it has a session. */
const isPublic = (path: string) => PUBLIC.has(path) || path.startsWith('/v1/auth/oidc/');

/** Builds the app over `deps`. */
export function createApp(input: AppDeps): OpenAPIHono<AppEnv> {
  const deps: AppDeps = {
    ...input,
    worklistCache: input.worklistCache ?? new WorklistCache(),
    cohortCache: input.cohortCache ?? new CohortCache(),
  };
  const app = new OpenAPIHono<AppEnv>();
  const keys = new KeyCache();

  app.use('*', requestContext(deps));
  app.use('*', securityHeaders());
  // Before authentication: preflights carry no key.
  app.use('*', corsPolicy(deps.config.corsOrigins));
  const auth = authenticate(keys);
  // A session cookie without an Authorization header authenticates by session (issue 16).
  const session = sessionAuth();
  const limit = rateLimit();
  for (const prefix of ['/v1/*', '/dicomweb/*']) {
    app.use(prefix, async (c, next) => (isPublic(c.req.path) ? next() : usesSession(c) ? session(c, next) : auth(c, next)));
    app.use(prefix, async (c, next) => (isPublic(c.req.path) ? next() : limit(c, next)));
  }
  // JSON bodies are parsed whole by the validators, so bound them before they are read.
  const jsonLimit = bodyLimit({
    maxSize: deps.config.maxResultBytes + 64 * 1024,
    onError: () => {
      throw new ApiError('PAYLOAD_TOO_LARGE', 'the JSON body is too large');
    },
  });
  app.use('*', async (c, next) => (mediaType(c).endsWith('json') ? jsonLimit(c, next) : next()));

  app.get('/v1/health', (c) => c.json({ status: 'ok', notForClinicalUse: true }));
  for (const r of [
    studies,
    instances,
    artifacts,
    dicomweb,
    dicomwebQido,
    dicomwebWado,
    runner,
    runnerDeploy,
    jobs,
    metrics,
    thresholds,
    alerts,
    labels,
    models,
    webhooks,
    adminRoutes(keys),
    sessionRoutes,
    users,
  ])
    app.route('/', r);
  // The printable study report (issue 17).
  app.route('/', report);
  for (const r of [auditExport, password, sso, ssoConfig]) app.route('/', r);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An Embolus API key',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'embolus_session',
    description: 'A dashboard session (POST /v1/auth/sign-in); changes also need X-CSRF-Token',
  });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Embolus API',
      version: '1.0.0',
      description:
        'Pulmonary embolism detection on CT pulmonary angiograms. Research software: NOT FOR CLINICAL USE. ' +
        'Keys are sent as `Authorization: Bearer <key>`; errors are `{ "error": { "code", "message", "details" } }`. ' +
        'On Cloudflare Workers a request body is limited to 100 MB (Free and Pro plans): upload larger studies instance by instance.',
    },
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    servers: [{ url: '/' }],
  });

  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no such route', details: {} } }, 404));
  app.onError((e, c) => {
    const requestId = (c.get('requestId') as string | undefined) ?? 'unknown';
    const { status, body } = toErrorResponse(e, requestId);
    if (status >= 500) {
      // The code and message of internal errors name tables and operations, never values.
      const err = e as { name?: string; code?: string; message?: string };
      deps.logger.log('error', 'request.failed', {
        requestId,
        route: c.req.routePath,
        name: err.name,
        code: err.code,
        message: err.message,
      });
    }
    if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="embolus"');
    return c.json(body, status);
  });
  return app;
}
