/**
 * The runner's HTTP client for the Embolus API (role runner). Transient failures (network
 * errors, 5xx, 429) are retried with backoff inside a call up to `retries` times; the API's
 * runner calls are idempotent under a lease (complete replays, artifacts replace), so a retry
 * after a lost response is safe.
 *
 * A client scoped to a job (`forJob`) keeps retrying while the API is *unreachable* (no response,
 * 502, 503, 504, 429) until the job's lease would end, whatever `retries` says: an outage is the
 * infrastructure's fault and must not fail the job (failing would spend one of its attempts).
 * A 500 is the API answering badly, possibly for this request every time, so it keeps the
 * bounded count and then fails (counted), which bounds a job that always breaks the API.
 */
import { backoffDelay, sleep, type BackoffPolicy } from './backoff';
import { RunnerError } from './errors';

/** A leased job as the claim returns it. */
export interface ClaimedJob {
  job: {
    id: string;
    kind: 'analysis' | 'training' | 'evaluation';
    studyId: string | null;
    payload: unknown;
    attempts: number;
    maxAttempts: number;
  };
  leaseToken: string;
  leaseExpiresAt: string;
}

/** A model version the API deploys. */
/** A held job: model reads are scoped to it (its tenant's versions), with its lease token. */
export interface JobRef {
  id: string;
  lease: string;
}

export interface DeployedModel {
  version: string;
  sha256: string;
  downloadable: boolean;
}

/** Where a job-scoped client's retries end. */
export interface JobScope {
  /** Epoch ms until which an unreachable API is retried (the end of the job's lease). */
  deadline(): number;
  /** Cancels the job: waits between retries end, and the call throws the abort reason. */
  signal?: AbortSignal;
  /** The longest one call waits for the API, even while heartbeats keep the lease (default 10 min). */
  maxWaitMs?: number;
}

/** Default {@link JobScope.maxWaitMs}: a route that stays unavailable while others answer is not waited on forever. */
const MAX_OUTAGE_WAIT_MS = 10 * 60_000;
/** Too little time left before the deadline for another wait and try. */
const MIN_LAST_WAIT_MS = 200;

/** Statuses that mean the API (or what fronts it) is not there right now, rather than answering badly. */
const UNREACHABLE_STATUS = new Set([429, 502, 503, 504]);

/** Options of one request. */
interface Call {
  method: string;
  path: string;
  json?: unknown;
  body?: Uint8Array;
  contentType?: string;
  lease?: string;
  /** Transient-failure retries within this call (0: fail at once; the claim loop backs off itself). */
  retries?: number;
  signal?: AbortSignal;
}

/** Client of one API origin with one runner key. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
    private readonly backoff: BackoffPolicy = { baseMs: 250, maxMs: 5_000 },
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly scope?: JobScope,
  ) {}

  /** The same client for one job: an unreachable API is retried until `scope.deadline()`. */
  forJob(scope: JobScope): ApiClient {
    return new ApiClient(this.baseUrl, this.key, this.backoff, this.fetchImpl, scope);
  }

  /**
   * The wait before the next try after `failures` failed tries of a call begun at `startedAt`, or
   * null to give up. Past the `retries` count a job-scoped call goes on while the API is
   * unreachable, its last wait shortened so that the last try falls just before the deadline.
   */
  private nextWait(failures: number, retries: number, unreachable: boolean, startedAt: number): number | null {
    const delay = backoffDelay(failures + 1, this.backoff);
    if (failures < retries) return delay;
    if (!unreachable || this.scope === undefined) return null;
    const left = Math.min(this.scope.deadline(), startedAt + (this.scope.maxWaitMs ?? MAX_OUTAGE_WAIT_MS)) - Date.now();
    return left >= MIN_LAST_WAIT_MS ? Math.min(delay, left - MIN_LAST_WAIT_MS / 2) : null;
  }

  /** Sends one request; resolves with the response of a 2xx, throws a RunnerError otherwise. */
  async request(c: Call): Promise<Response> {
    const retries = c.retries ?? 4;
    const startedAt = Date.now();
    const signal = c.signal ?? this.scope?.signal;
    const cancelled = (cause?: unknown) =>
      signal?.reason instanceof RunnerError
        ? signal.reason
        : new RunnerError('SHUTDOWN', 'the request was cancelled', { cause, retryable: true });
    for (let failures = 0; ; failures++) {
      let res: Response;
      try {
        const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
        if (c.lease) headers['embolus-lease-token'] = c.lease;
        let body: RequestInit['body'];
        if (c.json !== undefined) {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(c.json);
        } else if (c.body) {
          headers['content-type'] = c.contentType ?? 'application/octet-stream';
          body = c.body as unknown as RequestInit['body'];
        }
        res = await this.fetchImpl(new URL(c.path, this.baseUrl), {
          method: c.method,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (e) {
        if (signal?.aborted) throw cancelled(e);
        const wait = this.nextWait(failures, retries, true, startedAt);
        if (wait === null)
          throw new RunnerError('API_UNAVAILABLE', `cannot reach the API (${(e as Error).name})`, { cause: e, retryable: true });
        await sleep(wait, signal);
        if (signal?.aborted) throw cancelled();
        continue;
      }
      if (res.ok) return res;
      const unreachable = UNREACHABLE_STATUS.has(res.status);
      const transient = unreachable || res.status >= 500;
      const wait = transient ? this.nextWait(failures, retries, unreachable, startedAt) : null;
      if (wait !== null) {
        await res.body?.cancel();
        await sleep(wait, signal);
        if (signal?.aborted) throw cancelled();
        continue;
      }
      const err = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      const code = err?.error?.code ?? `HTTP_${res.status}`;
      const message = `${c.method} ${c.path.replace(/\/instances\/[^/]+$/, '/instances/…')}: ${res.status} ${code}`;
      if (res.status === 401 || res.status === 403)
        throw new RunnerError('UNAUTHORIZED', `${message}: the runner key is missing, revoked or not a runner key`);
      if (code === 'LEASE_LOST') throw new RunnerError('LEASE_LOST', message, { details: { status: res.status } });
      // Unreachable: an infrastructure failure (the job is released, its attempt not spent).
      // A 500: the API answered badly; retryable, but counted, so it cannot loop forever.
      throw new RunnerError(unreachable ? 'API_UNAVAILABLE' : 'API_ERROR', message, {
        retryable: transient,
        details: { status: res.status, apiCode: code },
      });
    }
  }

  async json<T>(c: Call): Promise<T> {
    return (await (await this.request(c)).json()) as T;
  }

  /** Leases the next job of `kinds`, or null when none waits. No retries: the loop backs off. */
  async claim(kinds: ClaimedJob['job']['kind'][], leaseSeconds: number, signal?: AbortSignal): Promise<ClaimedJob | null> {
    const res = await this.request({
      method: 'POST',
      path: '/v1/runner/jobs/claim',
      json: { kinds, leaseSeconds },
      retries: 0,
      ...(signal ? { signal } : {}),
    });
    if (res.status === 204) return null;
    return (await res.json()) as ClaimedJob;
  }

  heartbeat(id: string, lease: string, leaseSeconds: number, progress?: Record<string, unknown>): Promise<{ leaseExpiresAt: string }> {
    return this.json({
      method: 'POST',
      path: `/v1/runner/jobs/${id}/heartbeat`,
      lease,
      json: { leaseSeconds, ...(progress ? { progress } : {}) },
      retries: 1,
    });
  }

  complete(id: string, lease: string, body: { result: unknown; shadow?: unknown[] }): Promise<{ resultId: string; replay: boolean }> {
    return this.json({ method: 'POST', path: `/v1/runner/jobs/${id}/complete`, lease, json: body, retries: 6 });
  }

  fail(id: string, lease: string, error: { code: string; message: string }, retryable: boolean): Promise<unknown> {
    return this.json({ method: 'POST', path: `/v1/runner/jobs/${id}/fail`, lease, json: { error, retryable }, retries: 6 });
  }

  release(id: string, lease: string): Promise<unknown> {
    return this.json({ method: 'POST', path: `/v1/runner/jobs/${id}/release`, lease, retries: 2 });
  }

  instances(
    id: string,
    lease: string,
  ): Promise<{
    studyId: string;
    items: { sopInstanceUid: string; seriesInstanceUid: string | null; size: number; sha256: string; url: string }[];
  }> {
    return this.json({ method: 'GET', path: `/v1/runner/jobs/${id}/instances`, lease });
  }

  async bytes(path: string, lease?: string, signal?: AbortSignal): Promise<Uint8Array> {
    const res = await this.request({ method: 'GET', path, ...(lease ? { lease } : {}), ...(signal ? { signal } : {}) });
    return new Uint8Array(await res.arrayBuffer());
  }

  putArtifact(
    id: string,
    lease: string,
    name: string,
    body: Uint8Array,
    contentType: string,
  ): Promise<{ name: string; size: number; sha256: string }> {
    return this.json({ method: 'PUT', path: `/v1/runner/jobs/${id}/artifacts/${encodeURIComponent(name)}`, lease, body, contentType });
  }

  /**
   * The model deployment for `job` (the job's tenant: a platform runner's key serves many;
   * a tenant's own runner gets its tenant's either way).
   */
  deployment(job: JobRef): Promise<{ active: DeployedModel | null; shadow: DeployedModel[]; registered: DeployedModel[] }> {
    return this.json({ method: 'GET', path: `/v1/runner/models?job=${encodeURIComponent(job.id)}`, lease: job.lease });
  }

  queue(): Promise<{ items: { kind: string; status: string; count: number }[] }> {
    return this.json({ method: 'GET', path: '/v1/runner/queue', retries: 0 });
  }
}
