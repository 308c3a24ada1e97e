/**
 * The few API calls an upload makes, with idempotent retries: network errors, 5xx, 408 and 429
 * are retried with exponential backoff and full jitter (429 and 503 honour Retry-After).
 * Authentication is the browser's session cookie (`credentials: 'same-origin'`) plus whatever
 * headers `headers()` returns (the dashboard's CSRF header); no token is stored here.
 */
import { DeidError, isAbort } from './errors';

/** Retries of one request. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 6). */
  attempts?: number;
  /** First backoff in ms (default 200); doubles each time, with full jitter. */
  baseDelayMs?: number;
  /** Largest backoff in ms (default 5000). */
  maxDelayMs?: number;
}

/** How to reach the API. */
export interface ApiClientOptions {
  /** Origin and path prefix of the API; '' (default) is the page's own origin. */
  baseUrl?: string;
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** Extra request headers, asked for before every request: e.g. `{ 'x-csrf-token': token }`. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  retry?: RetryPolicy;
  /**
   * Called on 401: renew the session (e.g. a sign-in dialog) and resolve true to retry the
   * request, false to stop the upload with UNAUTHENTICATED (it resumes when started again).
   */
  onUnauthorized?: () => Promise<boolean>;
}

/** An answer the API gave on purpose (2xx, or a 4xx that retrying cannot change). */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** The API's error body: `{ error: { code, message, details } }`. */
export function apiErrorOf(answer: ApiAnswer): { code: string; message: string } {
  const e = (answer.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return {
    code: typeof e?.code === 'string' ? e.code : `HTTP_${answer.status}`,
    message: typeof e?.message === 'string' ? e.message : `the API answered ${answer.status}`,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DeidError('CANCELLED', 'the upload was cancelled'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new DeidError('CANCELLED', 'the upload was cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/** A small client for the upload routes. */
export class ApiClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  private readonly attempts: number;
  private readonly baseDelay: number;
  private readonly maxDelay: number;

  constructor(private readonly options: ApiClientOptions = {}) {
    this.base = (options.baseUrl ?? '').replace(/\/$/, '');
    this.doFetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.attempts = Math.max(1, options.retry?.attempts ?? 6);
    this.baseDelay = options.retry?.baseDelayMs ?? 200;
    this.maxDelay = options.retry?.maxDelayMs ?? 5000;
  }

  /**
   * Sends one request, retrying what is safe to retry. Every route used is idempotent except
   * POST /v1/studies, whose retry after a lost answer at worst leaves an empty study behind.
   * @returns the answer (2xx or a final 4xx)
   * @throws DeidError UNAVAILABLE (retries exhausted), UNAUTHENTICATED, CANCELLED
   */
  async send(
    method: string,
    path: string,
    init: { body?: Uint8Array | ArrayBuffer | string; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<ApiAnswer> {
    let renewed = false;
    let lastProblem = '';
    for (let attempt = 1; ; attempt++) {
      if (init.signal?.aborted) throw new DeidError('CANCELLED', 'the upload was cancelled');
      const headers: Record<string, string> = { accept: 'application/json', ...(await this.options.headers?.()) };
      if (init.contentType) headers['content-type'] = init.contentType;
      let res: Response | null = null;
      try {
        res = await this.doFetch(`${this.base}${path}`, {
          method,
          headers,
          credentials: 'same-origin',
          ...(init.body !== undefined ? { body: init.body as NonNullable<RequestInit['body']> } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        });
      } catch (e) {
        if (isAbort(e) || init.signal?.aborted) throw new DeidError('CANCELLED', 'the upload was cancelled');
        lastProblem = 'a network error';
      }
      let retryAfterMs: number | null = null;
      if (res) {
        if (res.status === 401) {
          await res.body?.cancel();
          if (!renewed && this.options.onUnauthorized && (await this.options.onUnauthorized())) {
            renewed = true;
            attempt--;
            continue;
          }
          throw new DeidError('UNAUTHENTICATED', 'the session expired; sign in again and restart the upload to resume it');
        }
        if (!RETRYABLE.has(res.status)) {
          const text = await res.text();
          let body: unknown = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          return { status: res.status, body };
        }
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra >= 0) retryAfterMs = Math.min(ra * 1000, 60_000);
        await res.body?.cancel();
        lastProblem = `HTTP ${res.status}`;
      }
      if (attempt >= this.attempts) {
        throw new DeidError(
          'UNAVAILABLE',
          `${method} ${path.replace(/\/instances\/[^/]+$/, '/instances/{sopUid}')} failed ${attempt} times (last: ${lastProblem})`,
          { attempts: attempt },
        );
      }
      const backoff = Math.random() * Math.min(this.maxDelay, this.baseDelay * 2 ** (attempt - 1));
      await sleep(retryAfterMs ?? backoff, init.signal);
    }
  }
}
