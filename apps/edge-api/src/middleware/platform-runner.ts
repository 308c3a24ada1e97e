/**
 * Platform runners (role `platform-runner`) serve every tenant's jobs but see only what each
 * job needs. Their key belongs to the reserved `@platform` tenant, which holds no data; on a
 * job route (`/v1/runner/jobs/{id}/…`) or a model route with `?job=<id>`, this middleware
 * narrows the principal to the tenant of that job, and only when the key's own claim of the job
 * is presented (its lease token, live or finished by that claim). Everything after it (the
 * route's own live-lease checks, the audit record, webhooks) then runs in that tenant, as for
 * the tenant's own runner. Tenant runners pass through unchanged.
 */
import type { Principal } from '@embolus/db';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';

const JOB_ROUTE = /^\/v1\/runner\/jobs\/([^/]+)\/[^/]+/;

/** Principals already narrowed, so the middleware can sit on both runner routers and run once. */
const narrowed = new WeakSet<Principal>();

/** The principal narrowed to `tenantId` (the job's), keeping the key and role for the audit log. */
export function actingIn(p: Principal, tenantId: string): Principal {
  const out = { ...p, tenantId };
  narrowed.add(out);
  return out;
}

/** Narrows a platform runner to the tenant of the job it holds (see the module comment). */
export function platformRunnerScope(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    if (p.role !== 'platform-runner' || narrowed.has(p)) return next();
    const path = c.req.path;
    const m = JOB_ROUTE.exec(path);
    let jobId: string | undefined;
    const models = !m && (path === '/v1/runner/models' || path.startsWith('/v1/runner/models/'));
    if (m) jobId = decodeURIComponent(m[1] as string);
    else if (models) {
      jobId = c.req.query('job');
      if (!jobId)
        throw new ApiError(
          'FORBIDDEN',
          'a platform runner reads models only for a job it holds: add ?job=<id> and the Embolus-Lease-Token header',
        );
    } else {
      // Claim and queue: the handlers serve all tenants for this role.
      return next();
    }
    const token = c.req.header('embolus-lease-token');
    if (!token)
      throw new ApiError('VALIDATION_FAILED', 'the Embolus-Lease-Token header is required', {
        details: { issues: [{ path: 'embolus-lease-token', message: 'Required' }] },
      });
    const held = await c.get('deps').store.jobs.heldBy(jobId, token, p.keyId);
    if (held.kind === 'not_found') throw new ApiError('NOT_FOUND', 'no such job');
    // No details: the job belongs to another claim, possibly of another tenant's runner.
    const lost = () => new ApiError('LEASE_LOST', 'the lease on this job is not held (expired, reclaimed or finished)');
    if (held.kind === 'lease_lost') throw lost();
    const job = held.value;
    // Model files only while the lease is live (a finished claim may only repeat `complete`).
    if (models && !(job.status === 'leased' && (job.leaseExpiresAt ?? 0) > c.get('deps').clock.now())) throw lost();
    c.set('principal', actingIn(p, job.tenantId));
    await next();
  };
}
